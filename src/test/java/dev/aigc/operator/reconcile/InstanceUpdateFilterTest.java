package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.render.InstanceFixtures;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** Which instance updates wake the instance reconciler: the gateway's activity only where it can wake an instance. */
class InstanceUpdateFilterTest {
  private static final String SUSPENDED_AT = "2026-11-22T10:00:05Z";

  private static AigcInstance with(InstancePhase phase, String lastActivity, String suspendedAt) {
    AigcInstance i = InstanceFixtures.instance(InstanceState.Running);
    AigcInstanceStatus s = new AigcInstanceStatus();
    s.setPhase(phase);
    s.setInstanceId(0);
    s.setLastActivity(lastActivity);
    s.setSuspendedAt(suspendedAt);
    i.setStatus(s);
    return i;
  }

  @Test
  void activityPublishedForARunningInstanceWaitsForItsScheduledLook() {
    // one publish a minute per active instance must not cost a reconcile each; the due time is re-read then
    assertThat(AigcInstanceReconciler.worthReconciling(
        with(InstancePhase.Running, "2026-11-22T10:01:00Z", null), with(InstancePhase.Running, "2026-11-22T10:00:00Z", null))).isFalse();
  }

  @Test
  void activityOnASuspendedInstanceIsItsOwnerWakingIt() {
    assertThat(AigcInstanceReconciler.worthReconciling(
        with(InstancePhase.Suspended, "2026-11-22T10:30:00Z", SUSPENDED_AT), with(InstancePhase.Suspended, "2026-11-22T09:00:00Z", SUSPENDED_AT)))
        .isTrue();
  }

  @Test
  void theOperatorsOwnSuspensionWriteIsNotWorthALook() {
    assertThat(AigcInstanceReconciler.worthReconciling(
        with(InstancePhase.Suspended, "2026-11-22T09:00:00Z", SUSPENDED_AT), with(InstancePhase.Running, "2026-11-22T09:00:00Z", null)))
        .isFalse();
  }

  @Test
  void aSuspensionThatLandsAfterTheOwnersNewActivityIsLookedAtAgain() {
    // the gateway published 10:00:05.3 while the operator, deciding from the value before, suspended
    // at 10:00:05: the operator's write leaves lastActivity as it is, and only suspendedAt changes
    AigcInstance before = with(InstancePhase.Running, "2026-11-22T10:00:05.300Z", null);
    AigcInstance after = Serialization.clone(before);
    after.getStatus().setSuspendedAt(SUSPENDED_AT);
    after.getStatus().setPhase(InstancePhase.Suspended);
    assertThat(AigcInstanceReconciler.worthReconciling(after, before)).isTrue();
  }
}
