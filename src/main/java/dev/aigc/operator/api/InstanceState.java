package dev.aigc.operator.api;

/** What the user asked for: keep the instance's compute running, or release it and keep the disk. */
public enum InstanceState {
  Running,
  Stopped
}
