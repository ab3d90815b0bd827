package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.InstancePhase;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which instances count as being woken right now: their GameServerSet write is never held back by the pace. */
class WakingTest {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

  private static AigcInstance reached(Duration ago, InstancePhase phase) {
    AigcInstance instance = new AigcInstance();
    AigcInstanceStatus status = new AigcInstanceStatus();
    status.setInstanceId(3);
    status.setPhase(phase);
    status.setLastActivity(NOW.minus(ago).toString());
    instance.setStatus(status);
    return instance;
  }

  @Test
  void aStartingInstanceItsOwnerReachedMomentsAgoIsWaking() {
    assertThat(AigcTemplateReconciler.waking(reached(Duration.ofSeconds(2), InstancePhase.Starting), NOW)).isTrue();
    assertThat(AigcTemplateReconciler.waking(reached(Duration.ofMinutes(1), InstancePhase.Starting), NOW)).as("a minute ago").isFalse();
    assertThat(AigcTemplateReconciler.waking(reached(Duration.ofSeconds(2), InstancePhase.Running), NOW)).as("already running").isFalse();
  }

  /** The gateway writes lastActivity from its own clock: one far ahead of the operator's is not a wake that lasts for hours. */
  @Test
  void activityFarInTheFutureIsClockSkewNotAWake() {
    assertThat(AigcTemplateReconciler.waking(reached(Duration.ofSeconds(-3), InstancePhase.Starting), NOW)).as("3 s ahead").isTrue();
    assertThat(AigcTemplateReconciler.waking(reached(Duration.ofHours(-2), InstancePhase.Starting), NOW)).as("2 h ahead").isFalse();
  }
}
