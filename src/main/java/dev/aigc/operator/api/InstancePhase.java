package dev.aigc.operator.api;

public enum InstancePhase {
  Pending,
  Starting,
  Running,
  /** Spec Running, but idle past its limit: compute released as by a stop, woken by its owner opening it. */
  Suspended,
  Stopping,
  Stopped,
  Failed,
  Deleting
}
