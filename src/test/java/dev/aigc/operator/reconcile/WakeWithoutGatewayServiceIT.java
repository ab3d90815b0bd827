package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.Names;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An operator not told the gateway's Service (OperatorTestBase's settings): an idling template's
 * Ingresses are kept while pods are gone, but name no default backend, and the template says that
 * opening a suspended instance's URL will not wake it.
 */
class WakeWithoutGatewayServiceIT extends OperatorTestBase {
  @Test
  void theTemplateSaysTheUrlWillNotWakeAndNoWakeServiceIsMade() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    IdleSpec idle = new IdleSpec();
    idle.setSuspendAfter("30m");
    template.getSpec().getDedicated().setIdle(idle);
    kubectl.resource(template).create();

    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
      var ready = t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), Conditions.READY);
      return ready != null && "True".equals(ready.getStatus()) && ready.getMessage().contains("does not wake it");
    });
    var conf = gameServerSet().getSpec().getNetwork().getNetworkConf();
    assertThat(conf).anyMatch(p -> p.name().equals("Fixed") && p.value().equals("true"));
    assertThat(conf).noneMatch(p -> p.value().contains("default-backend") || p.value().contains("custom-http-errors"));
    assertThat(kubectl.services().inNamespace(NS).withName(Names.wakeService(TEMPLATE)).get()).isNull();

    // without idle, the template's message says nothing about waking
    editTemplate(t -> t.getSpec().getDedicated().setIdle(null));
    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
      var ready = Conditions.find(t.getStatus().getConditions(), Conditions.READY);
      return ready.getMessage().equals("GameServerSet " + TEMPLATE + " is up to date");
    });
  }
}
