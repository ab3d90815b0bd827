package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import org.junit.jupiter.api.Test;

class InstanceFinalizerTest {
  @Test
  void theFinalizerIsTheOneInstancesOfEarlierVersionsCarry() {
    // earlier versions let JOSDK name it; a new name would leave their instances undeletable
    assertThat(AigcInstance.FINALIZER).isEqualTo(ReconcilerUtils.getDefaultFinalizerName(AigcInstance.class));
  }
}
