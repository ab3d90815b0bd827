package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What an install costs in operator writes, and that what it saves loses nothing: an instance
 * created as the gateway creates it (with the instance controller's finalizer) is never patched
 * for its metadata, one applied without it still gets it, and the writes a burst of installs
 * shares (the GameServerSet's added IDs, the template's counts: at most one a second each) are
 * still made when nothing else happens after the burst.
 */
class InstallWritesIT extends OperatorTestBase {
  ClientFaults recorder;

  @Override
  void startOperator() {
    recorder = new ClientFaults(cluster);
    operatorClient = recorder.newClient();
    operator = new AigcOperator(operatorClient, SETTINGS).start();
  }

  @Test
  void anInstanceInstalledWithTheFinalizerIsNotPatchedAndItsTemplateCountsEndRight() {
    applyExampleTemplate();
    List<String> names = IntStream.range(0, 5).mapToObj(i -> "user" + i + "-sd").toList();
    for (int i = 0; i < names.size(); i++) installAsTheGatewayDoes(names.get(i), "user" + i);
    names.forEach(name -> awaitPhase(name, InstancePhase.Running));

    String instancePath = "/apis/aigc.dev/v1/namespaces/" + NS + "/aigcinstances/";
    assertThat(recorder.writeLog()).as("writes to an instance other than its status")
        .noneMatch(w -> w.contains(instancePath) && !w.endsWith("/status"));
    await().atMost(WAIT).untilAsserted(() -> {
      var status = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get().getStatus();
      assertThat(status.getInstances()).as("instances").isEqualTo(5);
      assertThat(status.getRunning()).as("running").isEqualTo(5);
    });
  }

  @Test
  void aBurstOfInstallsAllStartAndAreCountedWhenNothingElseHappensAfterIt() {
    applyExampleTemplate();
    install("first-sd", "first");
    awaitPhase("first-sd", InstancePhase.Starting);
    // OKG makes no pods now: after the installs' own events, nothing but the operator's own
    // schedule can bring the writes the burst shares
    cluster.okg().setPodCreationDelay(java.time.Duration.ofMinutes(10));
    List<String> names = IntStream.range(0, 4).mapToObj(i -> "user" + i + "-sd").toList();
    for (int i = 0; i < names.size(); i++) installAsTheGatewayDoes(names.get(i), "user" + i);

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(gameServerSet().getSpec().getReplicas()).as("replicas").isEqualTo(5);
      var status = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get().getStatus();
      assertThat(status.getInstances()).as("instances").isEqualTo(5);
      assertThat(status.getRunning()).as("running").isEqualTo(5);
    });
  }

  @Test
  void anInstanceAppliedWithoutTheFinalizerGetsItFromTheOperator() {
    applyExampleTemplate();
    install("alice-sd", "alice");

    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getMetadata().getFinalizers()).contains(AigcInstance.FINALIZER);
  }

  private void installAsTheGatewayDoes(String name, String owner) {
    kubectl.resource(AigcInstance.install(NS, name, TEMPLATE, owner)).create();
  }
}
