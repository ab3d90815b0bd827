package dev.aigc.operator.api;

public enum InstancePhase {
  Pending,
  Starting,
  Running,
  Stopping,
  Stopped,
  Failed,
  Deleting
}
