package dev.aigc.operator.api;

/** What deleting a template does while it has instances. */
public enum DeletionPolicy {
  /** Its instances are deleted (each disk by its retention), then its GameServerSet and Knative Service. */
  Cascade,
  /** The template stays, Deleting and Stalled with the reason, until its instances are deleted by their owners. */
  Block
}
