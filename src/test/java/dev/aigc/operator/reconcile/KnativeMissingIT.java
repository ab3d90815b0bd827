package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.SharedSpec;
import dev.aigc.operator.render.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Without Knative Serving, shared endpoints say so plainly and dedicated instances keep working. */
class KnativeMissingIT extends OperatorTestBase {

  @Test
  void aTemplateWithSharedReportsKnativeMissingAndItsInstancesStillRun() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getSpec().setShared(new SharedSpec());
    kubectl.resource(template).create();
    install("alice-sd", "alice");

    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId()).isZero();
    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
      Condition c = t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY);
      return c != null && SharedEndpoints.KNATIVE_NOT_INSTALLED.equals(c.getReason());
    });
    AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    assertThat(Conditions.find(t.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY).getMessage())
        .contains("Knative Serving is not installed");
    assertThat(Conditions.find(t.getStatus().getConditions(), Conditions.READY).getReason()).isEqualTo("SharedEndpointUnavailable");
    await().atMost(WAIT).until(() -> kubectl.v1().events().inNamespace(NS).list().getItems().stream()
        .map(Event::getReason).anyMatch(SharedEndpoints.KNATIVE_NOT_INSTALLED::equals));
  }
}
