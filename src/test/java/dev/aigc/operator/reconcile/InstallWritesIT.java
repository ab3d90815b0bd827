package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
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
  private static final java.time.Duration POLL = java.time.Duration.ofMillis(5);
  private static final String NEW_IMAGE = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.1-cpu";
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

  /** A GameServerSet write happens now (a stop of another instance), so that what follows falls within the pace's second. */
  private void setWrittenJustNow(String other) {
    int before = gameServerSet().getSpec().getReplicas();
    setState(other, InstanceState.Stopped);
    await().atMost(WAIT).pollInterval(POLL).until(() -> gameServerSet().getSpec().getReplicas() == before - 1);
  }

  private String podUid(int id) {
    var pod = kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-" + id).get();
    return pod == null ? null : pod.getMetadata().getUid();
  }

  /**
   * Stops are never held for the pace (only writes that start more are): a stop and start within
   * that second would leave the old pod running, and OnRestart's "a stop and start updates" with it.
   */
  @Test
  void aStopAndStartWithinThePacedSecondStillMakesANewPodOnTheNewVersion() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    awaitPhase("alice-sd", InstancePhase.Running);
    int bobId = awaitPhase("bob-sd", InstancePhase.Running).getStatus().getInstanceId();
    String bobPod = podUid(bobId);
    editTemplate(t -> t.getSpec().getApp().setImage(NEW_IMAGE));
    awaitUpdate("bob-sd", true);

    setWrittenJustNow("alice-sd");
    setState("bob-sd", InstanceState.Stopped);
    await().atMost(WAIT).pollInterval(POLL).until(() -> instance("bob-sd").getStatus().getPhase() != InstancePhase.Running);
    setState("bob-sd", InstanceState.Running);

    await().atMost(WAIT).until(() -> {
      String now = podUid(bobId);
      return now != null && !now.equals(bobPod);
    });
    awaitPhase("bob-sd", InstancePhase.Running);
    assertThat(kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-" + bobId).get().getSpec().getContainers().get(0).getImage())
        .isEqualTo(NEW_IMAGE);
  }

  /** Likewise a deleted instance's pod stops even when its owner installs again within that second (Retain: same ID). */
  @Test
  void aDeletedInstancesPodStopsEvenWhenItsOwnerReinstallsWithinThePacedSecond() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("zed-sd", "zed");
    int id = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();
    awaitPhase("zed-sd", InstancePhase.Running);
    String alicePod = podUid(id);

    setWrittenJustNow("zed-sd");
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").delete();
    await().atMost(WAIT).pollInterval(POLL).until(() -> instance("alice-sd") == null);
    install("alice-again", "alice");

    assertThat(awaitPhase("alice-again", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(id);
    assertThat(podUid(id)).as("the deleted instance's pod was stopped").isNotEqualTo(alicePod);
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
