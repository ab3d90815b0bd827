package dev.aigc.operator.api;

/** What deleting an instance does to its disk. */
public enum DataRetention {
  Retain,
  Delete
}
