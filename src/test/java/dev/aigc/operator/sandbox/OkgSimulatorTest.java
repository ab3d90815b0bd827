package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSetSpec;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.okg.GameServerTemplate;
import dev.aigc.operator.okg.Network;
import dev.aigc.operator.okg.ScaleStrategy;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator on its own, driven the way the operator drives OKG: through the GameServerSet's spec. */
class OkgSimulatorTest {
  private static final String NS = "team-a";
  private static final String SET = "sd";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private MockCluster cluster;
  private KubernetesClient kubectl;
  private final List<Watch> watches = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster = MockCluster.start();
    kubectl = cluster.client();
  }

  @AfterEach
  void stop() throws Exception {
    watches.forEach(Watch::close);
    cluster.close();
  }

  @Test
  void okgWritesBackBeforeThePodsExistAndCreatesThemAtTheLowestFreeIds() {
    cluster.okg().setPodCreationDelay(Duration.ofMillis(500));
    List<String> setEvents = record(GameServerSet.class, gss -> annotation(gss) == null ? "-" : "annotated");
    List<String> podEvents = record(Pod.class, pod -> pod.getMetadata().getName());

    create(gameServerSet(2, 1));
    await().atMost(WAIT).until(() -> podExists(0) && podExists(2) && ready(0) && ready(2));

    assertThat(annotation(gameServerSet())).isEqualTo("1");
    assertThat(podExists(1)).isFalse();
    long annotatedAt = firstVersion(setEvents, "MODIFIED annotated");
    assertThat(firstVersion(podEvents, "ADDED " + SET + "-0")).as("the pods come after the write-back").isGreaterThan(annotatedAt);
    assertThat(firstVersion(podEvents, "ADDED " + SET + "-2")).isGreaterThan(annotatedAt);
  }

  /** As OKG's GameServer controller: a pod of the set never stays without its GameServer (a garbage collector raced it). */
  @Test
  void aGameServerDeletedUnderALivePodComesBackOwnedByThatPod() {
    create(gameServerSet(1));
    await().atMost(WAIT).until(() -> ready(0));
    String pod = pod(0).getMetadata().getUid();
    String before = gameServer(0).getMetadata().getUid();
    kubectl.resource(gameServer(0)).delete();
    await().atMost(WAIT).until(() -> gameServer(0) != null && !before.equals(gameServer(0).getMetadata().getUid()) && ready(0));
    assertThat(gameServer(0).getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(pod);
  }

  @Test
  void removedIdsAreWrittenBackAsRangesWithReserveIds() {
    create(gameServerSet(4));
    await().atMost(WAIT).until(() -> IntStream.range(0, 4).allMatch(this::ready));

    edit(gss -> gss.getSpec().setReplicas(1));

    await().atMost(WAIT).until(() -> "1-3".equals(annotation(gameServerSet())));
    assertThat(gameServerSet().getSpec().getReserveGameServerIds()).extracting(IntOrString::getStrVal).containsExactly("1-3");
    await().atMost(WAIT).until(() -> !podExists(1) && !podExists(2) && !podExists(3));
    assertThat(podExists(0)).isTrue();
  }

  @Test
  void aDeletedPodTerminatesForAWhileItsGameServerSaysDeletingAndAReusedIdWaitsForIt() {
    cluster.okg().setPodTerminationDelay(Duration.ofSeconds(3));
    create(gameServerSet(1));
    await().atMost(WAIT).until(() -> ready(0));
    String oldPod = pod(0).getMetadata().getUid();
    List<String> podEvents = record(Pod.class, pod -> pod.getMetadata().getUid() + (pod.getMetadata().getDeletionTimestamp() != null ? " terminating" : ""));
    List<String> gsEvents = record(GameServer.class, gs -> gs.getMetadata().getOwnerReferences().get(0).getUid() + " "
        + (gs.getStatus() == null ? null : gs.getStatus().getCurrentState()));

    // stop ID 0, then start it again while its pod is still terminating
    edit(gss -> {
      gss.getSpec().setReplicas(0);
      gss.getSpec().setReserveGameServerIds(List.of(new IntOrString(0)));
    });
    await().atMost(WAIT).until(() -> podEvents.stream().anyMatch(e -> e.startsWith("MODIFIED " + oldPod + " terminating")));
    edit(gss -> {
      gss.getSpec().setReplicas(1);
      gss.getSpec().setReserveGameServerIds(null);
    });
    await().atMost(WAIT).until(() -> cluster.okg().workload(NS, SET).map(OkgScaling::workloadOrdinals).orElse(Set.of()).contains(0));
    assertThat(pod(0).getMetadata().getUid()).as("OKG re-picked ID 0 while its old pod terminates").isEqualTo(oldPod);
    assertThat(pod(0).getMetadata().getDeletionTimestamp()).isNotNull();

    await().atMost(WAIT).until(() -> isNewPod(0, oldPod) && ready(0));
    String newPod = pod(0).getMetadata().getUid();
    assertThat(index(podEvents, "DELETED " + oldPod)).as("the new pod only after the old one is gone")
        .isLessThan(index(podEvents, "ADDED " + newPod));
    assertThat(index(gsEvents, "MODIFIED " + oldPod + " Deleting")).as("the old GameServer said Deleting")
        .isLessThan(index(gsEvents, "DELETED " + oldPod));
    assertThat(index(gsEvents, "DELETED " + oldPod)).as("and was removed before the new pod's came")
        .isLessThan(index(gsEvents, "ADDED " + newPod + " Creating"));
  }

  @Test
  void aGameServerMarkedKillMakesOkgLowerReplicasAndReserveItsId() {
    create(gameServerSet(3));
    await().atMost(WAIT).until(() -> IntStream.range(0, 3).allMatch(this::ready));

    kubectl.resources(GameServer.class).inNamespace(NS).withName(SET + "-1").edit(gs -> {
      gs.getSpec().setOpsState(OkgScaling.KILL);
      return gs;
    });

    await().atMost(WAIT).until(() -> gameServerSet().getSpec().getReplicas() == 2 && "1".equals(annotation(gameServerSet())));
    assertThat(OkgScaling.getReserveOrdinalIntSet(gameServerSet().getSpec().getReserveGameServerIds())).containsExactly(1);
    await().atMost(WAIT).until(() -> !podExists(1) && gameServer(1) == null);
    assertThat(podExists(0) && podExists(2)).isTrue();
  }

  @Test
  void anUnrelatedChangeOfTheSetTriggersNoScalingStepAndADeletedPodComesBackAtItsId() {
    create(gameServerSet(2));
    await().atMost(WAIT).until(() -> ready(0) && ready(1));
    String oldPod = pod(0).getMetadata().getUid();

    edit(gss -> gss.getMetadata().getLabels().put("team", "a"));
    String version = gameServerSet().getMetadata().getResourceVersion();
    kubectl.pods().inNamespace(NS).withName(SET + "-0").delete();

    await().atMost(WAIT).until(() -> isNewPod(0, oldPod) && ready(0));
    assertThat(gameServer(0).getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(pod(0).getMetadata().getUid());
    // a scaling step would have written the annotation: OKG patches it into a set that has no annotations
    assertThat(gameServerSet().getMetadata().getAnnotations()).doesNotContainKey(GameServerSet.RESERVE_IDS_ANNOTATION);
    assertThat(gameServerSet().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void anExistingDiskIsUsedAsItIsAMissingOneIsMadeAndOneBeingDeletedHoldsThePodBack() {
    kubectl.persistentVolumeClaims().inNamespace(NS).resource(claim("data-" + SET + "-0", Map.of("custom", "x"))).create();
    String version = disk(0).getMetadata().getResourceVersion();
    create(gameServerSet(1));
    await().atMost(WAIT).until(() -> ready(0));
    assertThat(disk(0).getMetadata().getResourceVersion()).as("used as it is").isEqualTo(version);
    assertThat(disk(0).getMetadata().getLabels()).containsExactly(Map.entry("custom", "x"));
    assertThat(pod(0).getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-" + SET + "-0"));

    PersistentVolumeClaim held = claim("data-" + SET + "-1", Map.of());
    held.getMetadata().setFinalizers(List.of("example.com/hold"));
    String heldUid = kubectl.persistentVolumeClaims().inNamespace(NS).resource(held).create().getMetadata().getUid();
    kubectl.persistentVolumeClaims().inNamespace(NS).withName("data-" + SET + "-1").delete();
    cluster.okg().setPodCreationDelay(Duration.ofMillis(20));
    edit(gss -> gss.getSpec().setReplicas(2));

    await().atMost(WAIT).until(() -> cluster.okg().workload(NS, SET).map(w -> w.replicas() == 2).orElse(false));
    await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> !podExists(1));
    kubectl.persistentVolumeClaims().inNamespace(NS).withName("data-" + SET + "-1")
        .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"replace\",\"path\":\"/metadata/finalizers\",\"value\":[]}]");

    await().atMost(WAIT).until(() -> ready(1));
    assertThat(disk(1).getMetadata().getUid()).as("a new disk").isNotEqualTo(heldUid);
    assertThat(disk(1).getMetadata().getLabels()).containsEntry("app", "sd").containsEntry(GameServerSet.OWNER_GSS_LABEL, SET);
  }

  @Test
  void deletingTheSetTakesItsPodsAndKeepsItsDisks() {
    create(gameServerSet(2));
    await().atMost(WAIT).until(() -> ready(0) && ready(1));
    kubectl.resources(GameServerSet.class).inNamespace(NS).withName(SET).delete();
    await().atMost(WAIT).until(() -> !podExists(0) && !podExists(1) && gameServer(0) == null && gameServer(1) == null);
    assertThat(disk(0)).isNotNull();
    assertThat(disk(1)).isNotNull();
  }

  // ---- helpers ----

  private GameServerSet gameServerSet(int replicas, int... reserved) {
    GameServerTemplate template = new GameServerTemplate();
    template.setMetadata(new ObjectMetaBuilder().withLabels(Map.of("app", "sd")).build());
    template.setSpec(new PodSpecBuilder().withContainers(new ContainerBuilder().withName("app").withImage("example.com/sd").build()).build());
    template.setVolumeClaimTemplates(List.of(claim("data", Map.of("app", "sd"))));
    GameServerSetSpec spec = new GameServerSetSpec();
    spec.setReplicas(replicas);
    if (reserved.length > 0) spec.setReserveGameServerIds(Arrays.stream(reserved).mapToObj(IntOrString::new).toList());
    spec.setGameServerTemplate(template);
    ScaleStrategy scale = new ScaleStrategy();
    scale.setScaleDownStrategyType(ScaleStrategy.RESERVE_IDS);
    spec.setScaleStrategy(scale);
    Network network = new Network();
    network.setNetworkType(Network.KUBERNETES_INGRESS);
    network.setNetworkConf(List.of(new Network.NetworkConfParam("Host", "instances<id>.example.com")));
    spec.setNetwork(network);
    GameServerSet gss = new GameServerSet();
    gss.setMetadata(new ObjectMetaBuilder().withName(SET).withNamespace(NS).withLabels(new java.util.HashMap<>()).build());
    gss.setSpec(spec);
    return gss;
  }

  private static PersistentVolumeClaim claim(String name, Map<String, String> labels) {
    return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi"))
        .endResources().endSpec().build();
  }

  private void create(GameServerSet gss) {
    kubectl.resource(gss).create();
  }

  private void edit(java.util.function.Consumer<GameServerSet> change) {
    kubectl.resources(GameServerSet.class).inNamespace(NS).withName(SET).edit(gss -> {
      change.accept(gss);
      return gss;
    });
  }

  private GameServerSet gameServerSet() {
    return kubectl.resources(GameServerSet.class).inNamespace(NS).withName(SET).get();
  }

  private static String annotation(GameServerSet gss) {
    return gss.getMetadata().getAnnotations() == null ? null : gss.getMetadata().getAnnotations().get(GameServerSet.RESERVE_IDS_ANNOTATION);
  }

  private Pod pod(int id) {
    return kubectl.pods().inNamespace(NS).withName(SET + "-" + id).get();
  }

  private boolean podExists(int id) {
    return pod(id) != null;
  }

  private boolean isNewPod(int id, String oldUid) {
    Pod pod = pod(id);
    return pod != null && !pod.getMetadata().getUid().equals(oldUid);
  }

  private GameServer gameServer(int id) {
    return kubectl.resources(GameServer.class).inNamespace(NS).withName(SET + "-" + id).get();
  }

  private boolean ready(int id) {
    GameServer gs = gameServer(id);
    return gs != null && gs.getStatus() != null && GameServerStatus.READY.equals(gs.getStatus().getCurrentState());
  }

  private PersistentVolumeClaim disk(int id) {
    return kubectl.persistentVolumeClaims().inNamespace(NS).withName("data-" + SET + "-" + id).get();
  }

  /** Every watch event of a kind as "ACTION description@resourceVersion", in order. */
  private <T extends HasMetadata> List<String> record(Class<T> kind, Function<T, String> describe) {
    List<String> events = new CopyOnWriteArrayList<>();
    watches.add(kubectl.resources(kind).inNamespace(NS).watch(new Watcher<T>() {
      @Override public void eventReceived(Action action, T resource) {
        events.add(action + " " + describe.apply(resource) + "@" + resource.getMetadata().getResourceVersion());
      }
      @Override public void onClose(WatcherException cause) { }
    }));
    return events;
  }

  /** The first event that starts with the given words; fails if there is none. */
  private static int index(List<String> events, String prefix) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).startsWith(prefix + "@") || events.get(i).startsWith(prefix + " ")) return i;
    }
    throw new AssertionError("no event " + prefix + " in " + events);
  }

  private static long firstVersion(List<String> events, String prefix) {
    String event = events.get(index(events, prefix));
    return Long.parseLong(event.substring(event.lastIndexOf('@') + 1));
  }
}
