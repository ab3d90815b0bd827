package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.render.Conditions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A template's status is written at once, except a change of its counts alone soon after a write. */
class TemplateStatusWritesTest {
  static final long T0 = 1_000_000_000L;
  static final long MS = 1_000_000L;

  @Test
  void aCountsOnlyChangeWithinASecondOfTheLastWriteWaitsForTheRestOfThatSecond() {
    Duration wait = AigcTemplateReconciler.delayOfWrite(status(3, 3, "Reconciled"), status(2, 2, "Reconciled"), T0, T0 + 300 * MS);

    assertThat(wait).isBetween(Duration.ofMillis(700), Duration.ofMillis(702));
  }

  @Test
  void aCountsOnlyChangeASecondAfterTheLastWriteOrWithNoneByThisProcessIsWrittenAtOnce() {
    assertThat(AigcTemplateReconciler.delayOfWrite(status(3, 3, "Reconciled"), status(2, 2, "Reconciled"), T0, T0 + 1000 * MS)).isZero();
    assertThat(AigcTemplateReconciler.delayOfWrite(status(3, 3, "Reconciled"), status(2, 2, "Reconciled"), null, T0)).isZero();
  }

  @Test
  void anythingBesidesTheCountsIsWrittenAtOnce() {
    assertThat(AigcTemplateReconciler.delayOfWrite(status(3, 3, "InvalidSpec"), status(2, 2, "Reconciled"), T0, T0 + MS))
        .as("a condition").isZero();
    AigcTemplateStatus newGeneration = status(2, 2, "Reconciled");
    newGeneration.setObservedGeneration(2L);
    assertThat(AigcTemplateReconciler.delayOfWrite(newGeneration, status(2, 2, "Reconciled"), T0, T0 + MS))
        .as("observedGeneration").isZero();
    AigcTemplateStatus unclaimed = status(2, 2, "Reconciled");
    unclaimed.setUnclaimedDisks(1);
    assertThat(AigcTemplateReconciler.delayOfWrite(unclaimed, status(2, 2, "Reconciled"), T0, T0 + MS))
        .as("unclaimed disks, which an Event goes with").isZero();
    assertThat(AigcTemplateReconciler.delayOfWrite(status(1, 1, "Reconciled"), null, T0, T0 + MS)).as("a first status").isZero();
  }

  private static AigcTemplateStatus status(int instances, int running, String reason) {
    AigcTemplateStatus status = new AigcTemplateStatus();
    status.setObservedGeneration(1L);
    status.setInstances(instances);
    status.setRunning(running);
    status.setConditions(Conditions.withProgress(List.of(), "Reconciled".equals(reason) ? Conditions.Progress.READY
        : Conditions.Progress.STALLED, reason, reason, 1L, "2026-01-01T00:00:00Z"));
    return status;
  }
}
