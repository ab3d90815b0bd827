package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.api.UpgradePolicy;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.UpgradeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a template change does to running users under each upgrade policy (real reconcilers, OKG simulator). */
class UpgradePolicyIT extends OperatorTestBase {
  private static final String V1 = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.0-cpu";
  private static final String V2 = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.1-cpu";

  @Test
  void onRestartLeavesRunningUsersAloneTellsThemAndAStartOrRestartBringsTheNewVersion() {
    applyExampleTemplate();
    String alicePod = runningPod("alice-sd", "alice");
    String bobPod = runningPod("bob-sd", "bob");

    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    Condition waiting = awaitUpdate("alice-sd", true);
    assertThat(waiting.getReason()).isEqualTo(UpgradeStatus.RESTART_TO_UPDATE);
    assertThat(waiting.getMessage()).contains("changes image", "restart to update");
    awaitUpdate("bob-sd", true);
    await().atMost(WAIT).until(() -> Integer.valueOf(2).equals(template().getStatus().getOutdatedInstances()));
    assertThat(pod(0).getMetadata().getUid()).isEqualTo(alicePod);
    assertThat(pod(1).getMetadata().getUid()).isEqualTo(bobPod);
    assertThat(image(0)).isEqualTo(V1);

    // bob stops and starts: his new pod runs the new version, alice's is still untouched
    setState("bob-sd", InstanceState.Stopped);
    awaitPhase("bob-sd", InstancePhase.Stopped);
    assertThat(Conditions.find(instance("bob-sd").getStatus().getConditions(), UpgradeStatus.UPDATE_AVAILABLE))
        .as("a stopped instance starts on the new version: nothing waits").isNull();
    setState("bob-sd", InstanceState.Running);
    awaitUpdate("bob-sd", false);
    assertThat(image(1)).isEqualTo(V2);
    assertThat(instance("bob-sd").getStatus().getTemplateGeneration()).isEqualTo(template().getMetadata().getGeneration());
    await().atMost(WAIT).until(() -> Integer.valueOf(1).equals(template().getStatus().getOutdatedInstances()));
    assertThat(pod(0).getMetadata().getUid()).isEqualTo(alicePod);

    // alice restarts (the dashboard's "restart to update"): same ID, same disk, new version
    String disk = disk(0).getMetadata().getUid();
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      i.getMetadata().getAnnotations().put(AigcInstance.RESTART_ANNOTATION, Instant.now().toString());
      return i;
    });
    awaitUpdate("alice-sd", false);
    assertThat(image(0)).isEqualTo(V2);
    assertThat(instance("alice-sd").getStatus().getInstanceId()).isZero();
    assertThat(disk(0).getMetadata().getUid()).isEqualTo(disk);
    await().atMost(WAIT).until(() -> Integer.valueOf(0).equals(template().getStatus().getOutdatedInstances()));
  }

  /** A crashing app restarts in its pod (the kubelet's doing): the pod, and so the version, stay until it is re-created. */
  @Test
  void anInstanceWhoseAppCrashesKeepsItsVersionUntilItsPodIsRecreated() {
    applyExampleTemplate();
    String alicePod = runningPod("alice-sd", "alice");
    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    awaitUpdate("alice-sd", true);

    setGameServerState(0, "Crash");
    awaitPhase("alice-sd", InstancePhase.Failed);
    setGameServerState(0, "Ready");
    Condition waiting = awaitUpdate("alice-sd", true);
    assertThat(waiting.getReason()).isEqualTo(UpgradeStatus.RESTART_TO_UPDATE);
    assertThat(pod(0).getMetadata().getUid()).isEqualTo(alicePod);
    assertThat(image(0)).isEqualTo(V1);
  }

  private void setGameServerState(int id, String state) {
    kubectl.resources(dev.aigc.operator.okg.GameServer.class).inNamespace(NS).withName(TEMPLATE + "-" + id).editStatus(gs -> {
      gs.getStatus().setCurrentState(state);
      return gs;
    });
  }

  @Test
  void aChangeThatLeavesThePodTemplateAloneMakesNobodyOutdated() {
    applyExampleTemplate();
    String alicePod = runningPod("alice-sd", "alice");
    awaitUpdate("alice-sd", false);
    long before = instance("alice-sd").getStatus().getTemplateGeneration();

    editTemplate(t -> t.getSpec().setDisplayName("Stable Diffusion, renamed"));
    long generation = template().getMetadata().getGeneration();
    await().atMost(WAIT).until(() -> Long.valueOf(generation).equals(template().getStatus().getObservedGeneration()));

    assertThat(template().getStatus().getDedicatedGeneration()).isEqualTo(before);
    assertThat(Conditions.find(instance("alice-sd").getStatus().getConditions(), UpgradeStatus.UPDATE_AVAILABLE).getStatus())
        .isEqualTo(Conditions.FALSE);
    assertThat(pod(0).getMetadata().getUid()).isEqualTo(alicePod);
  }

  @Test
  void immediateUpdatesRunningUsersInPlaceForAnImageChange() {
    applyExampleTemplate();
    editTemplate(t -> t.getSpec().setUpgradePolicy(UpgradePolicy.Immediate));
    String alicePod = runningPod("alice-sd", "alice");

    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    await().atMost(WAIT).until(() -> V2.equals(image(0)));
    assertThat(pod(0).getMetadata().getUid()).as("in place: the same pod").isEqualTo(alicePod);
    awaitUpdate("alice-sd", false);
    // nobody is left on the old version: the admin sees no outdated instance
    await().atMost(WAIT).until(() -> Integer.valueOf(0).equals(template().getStatus().getOutdatedInstances()));
  }

  @Test
  void whenIdleWithoutAnIdlePolicyWaitsForARestartAndSaysSo() {
    applyExampleTemplate();
    editTemplate(t -> t.getSpec().setUpgradePolicy(UpgradePolicy.WhenIdle));
    String alicePod = runningPod("alice-sd", "alice");

    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    Condition waiting = awaitUpdate("alice-sd", true);
    assertThat(waiting.getReason()).isEqualTo(UpgradeStatus.RESTART_TO_UPDATE);
    assertThat(waiting.getMessage()).contains("which spec.dedicated.idle does not turn on");
    assertThat(pod(0).getMetadata().getUid()).isEqualTo(alicePod);
    assertThat(gameServerSet().getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
  }

  @Test
  void forceUpgradeAfterRestartsAnOutdatedInstanceOnceItHasWaitedThatLong() {
    applyExampleTemplate();
    editTemplate(t -> t.getSpec().setForceUpgradeAfter("2s"));
    String alicePod = runningPod("alice-sd", "alice");

    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    Condition waiting = awaitUpdate("alice-sd", true);
    assertThat(waiting.getMessage()).contains("the operator restarts it at", "forceUpgradeAfter 2s");
    assertThat(pod(0).getMetadata().getUid()).as("not before the grace period").isEqualTo(alicePod);

    awaitUpdate("alice-sd", false);
    assertThat(image(0)).isEqualTo(V2);
    assertThat(pod(0).getMetadata().getUid()).isNotEqualTo(alicePod);
    assertThat(kubectl.v1().events().inNamespace(NS).list().getItems())
        .anyMatch(e -> "ForcedUpdate".equals(e.getReason()) && "alice-sd".equals(e.getInvolvedObject().getName()));
  }

  private String runningPod(String name, String owner) {
    install(name, owner);
    int id = awaitPhase(name, InstancePhase.Running).getStatus().getInstanceId();
    return pod(id).getMetadata().getUid();
  }

  private AigcTemplate template() {
    return kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
  }

  private Pod pod(int id) {
    return kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-" + id).get();
  }

  private String image(int id) {
    return pod(id).getSpec().getContainers().get(0).getImage();
  }

}
