package dev.aigc.operator.api;

/** When running instances move to a changed template. */
public enum UpgradePolicy {
  /** Running instances keep their version; each takes the new one when its pod is next created. */
  OnRestart,
  /** Every running instance is updated at once (in place where OKG can: image-only changes). */
  Immediate,
  /** As OnRestart, and applied at idle suspension (spec.dedicated.idle): the woken instance runs the new version. */
  WhenIdle
}
