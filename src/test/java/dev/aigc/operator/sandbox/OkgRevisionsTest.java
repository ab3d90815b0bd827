package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSetSpec;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.okg.GameServerTemplate;
import dev.aigc.operator.okg.ScaleStrategy;
import dev.aigc.operator.okg.UpdateStrategy;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's workload revisions against DESIGN section 4 ("Template updates"): which running
 * pods a template change touches under each update strategy, and which revision a re-created pod
 * gets (including the partition trap).
 */
class OkgRevisionsTest {
  private static final String NS = "team-a";
  private static final String SET = "sd";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private MockCluster cluster;
  private KubernetesClient kubectl;

  @BeforeEach
  void start() {
    cluster = MockCluster.start();
    kubectl = cluster.client();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void onDeleteTouchesNoRunningPodAndARecreatedPodGetsTheNewRevision() {
    UpdateStrategy onDelete = new UpdateStrategy();
    onDelete.setType(UpdateStrategy.ON_DELETE);
    String[] before = startTwo(onDelete);

    GameServerTemplate next = changeTemplate(t -> {
      t.getSpec().getContainers().get(0).setImage("example.com/sd:v2");
      t.getSpec().getContainers().get(0).setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
          .withLimits(Map.of("cpu", new Quantity("2"))).build());
    });

    assertThat(pod(0).getMetadata().getUid()).isEqualTo(before[0]);
    assertThat(pod(1).getMetadata().getUid()).isEqualTo(before[1]);
    assertThat(image(0)).isEqualTo("example.com/sd:v1");

    // the pod of ID 0 goes (a stop and start, a restart, a lost node): its successor runs the new revision
    kubectl.pods().inNamespace(NS).withName(SET + "-0").delete();
    await().atMost(WAIT).until(() -> isNewPod(0, before[0]) && ready(0));
    assertThat(image(0)).isEqualTo("example.com/sd:v2");
    assertThat(revision(0)).isEqualTo(OkgSimulator.revisionLabel(SET, next));
    assertThat(pod(1).getMetadata().getUid()).isEqualTo(before[1]);
    assertThat(image(1)).isEqualTo("example.com/sd:v1");
  }

  @Test
  void aRollingUpdateChangesAnImageInPlaceAndRecreatesPodsForOtherChanges() {
    UpdateStrategy rolling = new UpdateStrategy();
    UpdateStrategy.RollingUpdate update = new UpdateStrategy.RollingUpdate();
    update.setPodUpdatePolicy("InPlaceIfPossible");
    update.setMaxUnavailable(new IntOrString("100%"));
    rolling.setRollingUpdate(update);
    String[] before = startTwo(rolling);

    changeTemplate(t -> t.getSpec().getContainers().get(0).setImage("example.com/sd:v2"));
    await().atMost(WAIT).until(() -> "example.com/sd:v2".equals(image(0)) && "example.com/sd:v2".equals(image(1)));
    assertThat(pod(0).getMetadata().getUid()).as("updated in place").isEqualTo(before[0]);
    assertThat(pod(1).getMetadata().getUid()).isEqualTo(before[1]);

    changeTemplate(t -> t.getSpec().getContainers().get(0).setArgs(java.util.List.of("--listen")));
    await().atMost(WAIT).until(() -> isNewPod(0, before[0]) && isNewPod(1, before[1]) && ready(0) && ready(1));
    assertThat(pod(0).getSpec().getContainers().get(0).getArgs()).containsExactly("--listen");
  }

  @Test
  void aPartitionAboveZeroBringsARecreatedPodBackOnTheOlderRevision() {
    UpdateStrategy paused = new UpdateStrategy();
    UpdateStrategy.RollingUpdate update = new UpdateStrategy.RollingUpdate();
    update.setPaused(true);
    update.setPartition(2);
    paused.setRollingUpdate(update);
    String[] before = startTwo(paused);

    changeTemplate(t -> t.getSpec().getContainers().get(0).setImage("example.com/sd:v2"));
    assertThat(image(0)).as("paused: nothing rolls").isEqualTo("example.com/sd:v1");

    kubectl.pods().inNamespace(NS).withName(SET + "-0").delete();
    await().atMost(WAIT).until(() -> isNewPod(0, before[0]) && ready(0));
    assertThat(image(0)).as("the re-created pod is back on the old revision").isEqualTo("example.com/sd:v1");

    // with partition 0 the same re-creation gets the new revision
    edit(gss -> gss.getSpec().getUpdateStrategy().getRollingUpdate().setPartition(0));
    String second = pod(0).getMetadata().getUid();
    kubectl.pods().inNamespace(NS).withName(SET + "-0").delete();
    await().atMost(WAIT).until(() -> isNewPod(0, second) && ready(0));
    assertThat(image(0)).isEqualTo("example.com/sd:v2");
  }

  /** A set of two running pods under {@code strategy}; their UIDs. */
  private String[] startTwo(UpdateStrategy strategy) {
    GameServerSet gss = new GameServerSet();
    gss.setMetadata(new ObjectMetaBuilder().withName(SET).withNamespace(NS).build());
    GameServerTemplate template = new GameServerTemplate();
    template.setMetadata(new ObjectMetaBuilder().withLabels(Map.of("app", "sd")).build());
    template.setSpec(new PodSpecBuilder().withContainers(new ContainerBuilder().withName("app").withImage("example.com/sd:v1").build()).build());
    GameServerSetSpec spec = new GameServerSetSpec();
    spec.setReplicas(2);
    spec.setGameServerTemplate(template);
    ScaleStrategy scale = new ScaleStrategy();
    scale.setScaleDownStrategyType(ScaleStrategy.RESERVE_IDS);
    spec.setScaleStrategy(scale);
    spec.setUpdateStrategy(strategy);
    gss.setSpec(spec);
    kubectl.resource(gss).create();
    await().atMost(WAIT).until(() -> IntStream.range(0, 2).allMatch(this::ready));
    return new String[] {pod(0).getMetadata().getUid(), pod(1).getMetadata().getUid()};
  }

  /** Changes the pod template and waits until the workload has run an update step on it. */
  private GameServerTemplate changeTemplate(Consumer<GameServerTemplate> change) {
    edit(gss -> change.accept(gss.getSpec().getGameServerTemplate()));
    GameServerTemplate now = kubectl.resources(GameServerSet.class).inNamespace(NS).withName(SET).get().getSpec().getGameServerTemplate();
    String revision = OkgSimulator.revisionLabel(SET, now).substring(SET.length() + 1);
    await().atMost(WAIT).until(() -> cluster.okg().revisions(NS, SET)
        .filter(r -> revision.equals(r.update()) && r.stepsOnUpdate() > 0).isPresent());
    return now;
  }

  private void edit(Consumer<GameServerSet> change) {
    kubectl.resources(GameServerSet.class).inNamespace(NS).withName(SET).edit(gss -> {
      change.accept(gss);
      return gss;
    });
  }

  private Pod pod(int id) {
    return kubectl.pods().inNamespace(NS).withName(SET + "-" + id).get();
  }

  private String image(int id) {
    return pod(id).getSpec().getContainers().get(0).getImage();
  }

  private String revision(int id) {
    return pod(id).getMetadata().getLabels().get("controller-revision-hash");
  }

  private boolean isNewPod(int id, String oldUid) {
    Pod pod = pod(id);
    return pod != null && !pod.getMetadata().getUid().equals(oldUid) && pod.getMetadata().getDeletionTimestamp() == null;
  }

  private boolean ready(int id) {
    GameServer gs = kubectl.resources(GameServer.class).inNamespace(NS).withName(SET + "-" + id).get();
    return gs != null && gs.getStatus() != null && GameServerStatus.READY.equals(gs.getStatus().getCurrentState());
  }
}
