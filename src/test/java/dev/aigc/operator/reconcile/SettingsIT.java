package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.GameServerSetRenderer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The operator does what its settings say: watched namespaces and the gateway URLs on every ingress. */
class SettingsIT extends OperatorTestBase {
  private static final OperatorSettings TEAM_A_ONLY = new OperatorSettings(Set.of(NS),
      "http://gw.aigc-system.svc:8080/auth", "https://portal.example.com/sign-in");

  @Override
  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    operator = new AigcOperator(operatorClient, TEAM_A_ONLY).start();
  }

  @Test
  void onlyWatchedNamespacesAreReconciledAndTheGatewayUrlsReachTheIngressAnnotations() {
    AigcTemplate other = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    other.getMetadata().setNamespace("team-b");
    kubectl.resource(other).create();
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);

    assertThat(gameServerSet().getSpec().getNetwork().getNetworkConf())
        .anyMatch(p -> p.value().equals(GameServerSetRenderer.AUTH_URL + ": http://gw.aigc-system.svc:8080/auth?host=$server_name"))
        .anyMatch(p -> p.value().equals(GameServerSetRenderer.AUTH_SIGNIN + ": https://portal.example.com/sign-in"));

    AigcInstance bob = new AigcInstance();
    bob.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("bob-sd").withNamespace("team-b").build());
    bob.setSpec(new dev.aigc.operator.api.AigcInstanceSpec());
    bob.getSpec().setTemplate(TEMPLATE);
    bob.getSpec().setOwner("bob");
    kubectl.resource(bob).create();
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() ->
        kubectl.resources(AigcInstance.class).inNamespace("team-b").withName("bob-sd").get().getStatus() == null
            && kubectl.resources(GameServerSet.class).inNamespace("team-b").list().getItems().isEmpty());
  }
}
