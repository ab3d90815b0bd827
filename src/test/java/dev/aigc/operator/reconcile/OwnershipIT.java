package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.DiskRecord;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.sim.ShiftedClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The ownership issue's problems, each as the sequence that broke it: an ID and its disk belong to one owner. */
class OwnershipIT extends OperatorTestBase {
  /** The operator's clock: moved on to let an instance's wait for its first ID outlast the quiet grace. */
  private final ShiftedClock clock = new ShiftedClock();

  @Override
  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    operator = new AigcOperator(operatorClient, SETTINGS, Telemetry.inMemory(), clock).start();
  }

  private String diskUid(int id) {
    return disk(id).getMetadata().getUid();
  }

  /** alice's instance alice-sd Running on ID 0: the UID of her disk. */
  private String aliceRunningOnDiskZero() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    return diskUid(0);
  }

  /** Deletes the instance while a backup tool's finalizer holds it: our cleanup runs, the object stays. */
  private void deleteHeldByAnotherFinalizer(String name) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
      i.getMetadata().getFinalizers().add("backup.example.com/snapshot");
      return i;
    });
    deleteInstance(name);
    await().atMost(WAIT).until(() -> instance(name).getMetadata().getFinalizers().equals(List.of("backup.example.com/snapshot")));
  }

  private boolean waitingForDiskOf(String name, String deleting) {
    AigcInstance instance = instance(name);
    Condition c = instance.getStatus() == null ? null : condition(instance, Conditions.RECONCILING);
    return c != null && "WaitingForDisk".equals(c.getReason()) && c.getMessage().contains("instance " + deleting + " of the same owner");
  }

  private void deleteInstance(String name) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).delete();
  }

  private Condition condition(AigcInstance instance, String type) {
    return Conditions.find(instance.getStatus().getConditions(), type);
  }

  private AigcTemplate template() {
    return kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
  }

  private Condition templateCondition(String type) {
    AigcTemplate t = template();
    return t == null || t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), type);
  }

  private boolean eventSeen(String reason) {
    return kubectl.v1().events().inNamespace(NS).list().getItems().stream().map(Event::getReason).anyMatch(reason::equals);
  }

  @Test
  void problem1_aSameNamedInstanceOfAnotherOwnerNeverGetsTheDeletedOwnersIdDiskOrUrl() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    AigcInstance alice = awaitPhase("alice-sd", InstancePhase.Running);
    String aliceDisk = diskUid(0);

    // no pause at all between alice's delete and mallory's create: the window that used to leak
    deleteInstance("alice-sd");
    awaitGone("alice-sd");
    install("alice-sd", "mallory");
    AigcInstance mallory = awaitPhase("alice-sd", InstancePhase.Running);

    assertThat(mallory.getMetadata().getUid()).isNotEqualTo(alice.getMetadata().getUid());
    assertThat(mallory.getStatus().getInstanceId()).isEqualTo(1);
    assertThat(mallory.getStatus().getUrl()).isNotEqualTo(alice.getStatus().getUrl());
    assertThat(diskUid(0)).isEqualTo(aliceDisk);
    assertThat(disk(0).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "alice")
        .containsEntry(Labels.DISK_INSTANCE_UID, alice.getMetadata().getUid());
    assertThat(disk(1).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "mallory");
  }

  /**
   * alice deletes her instance (Retain) and at once, before its deletion has finished, creates
   * another (kubectl lets her; the gateway waits): the new one gets her disk back, not a fresh one.
   */
  @Test
  void aReinstallBeforeTheDeletionFinishedStillGetsTheOwnersDiskBack() {
    String aliceDisk = aliceRunningOnDiskZero();

    deleteInstance("alice-sd");
    install("alice-again", "alice");
    AigcInstance again = awaitPhase("alice-again", InstancePhase.Running);

    assertThat(again.getStatus().getInstanceId()).isZero();
    assertThat(diskUid(0)).isEqualTo(aliceDisk);
    assertThat(disk(1)).as("no fresh disk").isNull();
  }

  /**
   * The same reinstall while another controller's finalizer (a backup tool's, say) holds the old
   * instance: the new one waits for her disk as long as that lasts, and says so instead of showing
   * no status at all; once the tool lets go, she gets her disk back.
   */
  @Test
  void aReinstallWaitingForTheOwnersDiskSaysWhoseDeletionItWaitsFor() {
    String aliceDisk = aliceRunningOnDiskZero();
    deleteHeldByAnotherFinalizer("alice-sd");

    // as if she came back well after the deletion began: past the moment a new instance shows nothing
    clock.advance(AigcInstanceReconciler.FIRST_ID_GRACE.plusSeconds(1));
    install("alice-again", "alice");
    await().atMost(WAIT).until(() -> waitingForDiskOf("alice-again", "alice-sd"));
    assertThat(instance("alice-again").getStatus().getPhase()).isEqualTo(InstancePhase.Pending);
    assertThat(disk(1)).as("no fresh disk meanwhile").isNull();

    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      i.getMetadata().setFinalizers(List.of());
      return i;
    });
    awaitGone("alice-sd");
    assertThat(awaitPhase("alice-again", InstancePhase.Running).getStatus().getInstanceId()).isZero();
    assertThat(diskUid(0)).isEqualTo(aliceDisk);
  }

  /** An operator clock behind the API server's must not stretch the quiet first moments of a new instance without bound. */
  @Test
  void aClockBehindTheApiServersDoesNotKeepAWaitingInstanceSilent() {
    aliceRunningOnDiskZero();
    deleteHeldByAnotherFinalizer("alice-sd");

    clock.advance(Duration.ofMinutes(-10));
    install("alice-again", "alice");
    await().atMost(Duration.ofSeconds(20)).until(() -> waitingForDiskOf("alice-again", "alice-sd"));
  }

  @Test
  void problem1_theSameNameWithTheOperatorDownStillDoesNotHandOverTheDisk() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    stopOperator();
    // without the operator the finalizer holds alice's instance; force it through as a careless admin would
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      i.getMetadata().setFinalizers(List.of());
      return i;
    });
    deleteInstance("alice-sd");
    awaitGone("alice-sd");
    install("alice-sd", "mallory");
    startOperator();

    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(1);
    assertThat(disk(0).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "alice");
  }

  @Test
  void problem2_aDeletedGameServerSetComesBackWithEveryoneOnTheirIdsAndDisksAndNoStatusErased() {
    applyExampleTemplate();
    List<String> users = List.of("alice", "bob", "carol");
    for (String u : users) {
      install(u + "-sd", u);
      awaitPhase(u + "-sd", InstancePhase.Running);
    }
    setState("bob-sd", InstanceState.Stopped);
    awaitPhase("bob-sd", InstancePhase.Stopped);
    List<String> disks = List.of(diskUid(0), diskUid(1), diskUid(2));
    List<Integer> erased = new CopyOnWriteArrayList<>();
    var watch = kubectl.resources(AigcInstance.class).inNamespace(NS).watch(new io.fabric8.kubernetes.client.Watcher<>() {
      @Override public void eventReceived(Action action, AigcInstance i) {
        if (action == Action.MODIFIED && (i.getStatus() == null || i.getStatus().getInstanceId() == null)) erased.add(1);
      }
      @Override public void onClose(io.fabric8.kubernetes.client.WatcherException cause) { }
    });

    String before = gameServerSet().getMetadata().getUid();
    kubectl.resources(GameServerSet.class).inNamespace(NS).withName(TEMPLATE).delete();
    await().atMost(WAIT).until(() -> gameServerSet() != null && !gameServerSet().getMetadata().getUid().equals(before));

    for (String u : users) {
      AigcInstance i = awaitPhase(u + "-sd", u.equals("bob") ? InstancePhase.Stopped : InstancePhase.Running);
      assertThat(i.getStatus().getInstanceId()).isEqualTo(users.indexOf(u));
    }
    assertThat(List.of(diskUid(0), diskUid(1), diskUid(2))).isEqualTo(disks);
    assertThat(gameServerSet().getSpec().getReplicas()).isEqualTo(2);
    watch.close();
    assertThat(erased).as("no status lost its instanceId meanwhile").isEmpty();
  }

  @Test
  void problem2_deletingAndReapplyingTheTemplateKeepsIdsAndDisks() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    int aliceId = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();
    int bobId = awaitPhase("bob-sd", InstancePhase.Running).getStatus().getInstanceId();
    String aliceDisk = diskUid(aliceId);
    String bobDisk = diskUid(bobId);

    // deletionPolicy Cascade (the default) takes the instances with the template; their disks stay
    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).delete();
    await().atMost(WAIT).until(() -> template() == null);
    assertThat(instance("alice-sd")).isNull();
    applyExampleTemplate();

    // each owner installs again, under any name, and gets the same ID and disk back; bob first
    install("bob-sd-2", "bob");
    install("alice-sd", "alice");
    assertThat(awaitPhase("bob-sd-2", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(bobId);
    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(aliceId);
    assertThat(diskUid(aliceId)).isEqualTo(aliceDisk);
    assertThat(diskUid(bobId)).isEqualTo(bobDisk);
  }

  @Test
  void problem3_removingDedicatedStopsInstancesKeepsDisksAndDeletionsFinish() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitPhase("bob-sd", InstancePhase.Running);
    String aliceDisk = diskUid(0);

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().setShared(new dev.aigc.operator.api.SharedSpec());
      t.getSpec().setDedicated(null);
      return t;
    });
    await().atMost(WAIT).until(() -> gameServerSet() == null);
    await().atMost(WAIT).until(() -> eventSeen("DedicatedRemoved"));
    AigcInstance alice = awaitPhase("alice-sd", InstancePhase.Failed);
    assertThat(condition(alice, Conditions.STALLED).getStatus()).isEqualTo("True");
    assertThat(condition(alice, Conditions.STALLED).getReason()).isEqualTo("NoDedicatedMode");
    assertThat(alice.getStatus().getInstanceId()).isZero();

    deleteInstance("bob-sd");
    awaitGone("bob-sd");
    assertThat(diskUid(0)).isEqualTo(aliceDisk);
  }

  @Test
  void problem3_anInvalidTemplateStillStopsAndDeletes() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitPhase("bob-sd", InstancePhase.Running);
    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getDedicated().getIngress().setHost("no-placeholder.example.com");
      return t;
    });
    await().atMost(WAIT).until(() -> templateCondition(Conditions.STALLED) != null
        && "True".equals(templateCondition(Conditions.STALLED).getStatus()));

    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    assertThat(podExists(0)).isFalse();
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("bob-sd").edit(i -> {
      i.getSpec().setDataRetention(DataRetention.Delete);
      return i;
    });
    deleteInstance("bob-sd");
    awaitGone("bob-sd");
    await().atMost(WAIT).until(() -> !podExists(1) && disk(1) == null);
  }

  @Test
  void problem3and5_aRefusedGameServerSetWriteIsStalledInStatusAndDeletionStillFinishes() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    Status invalid = new StatusBuilder().withCode(422).withReason("Invalid").withMessage("admission webhook denied the request").build();
    cluster.server().expect().put()
        .withPath("/apis/game.kruise.io/v1alpha1/namespaces/" + NS + "/gameserversets/" + TEMPLATE)
        .andReturn(422, invalid).always();

    install("bob-sd", "bob");
    await().atMost(WAIT).until(() -> templateCondition(Conditions.STALLED) != null
        && "True".equals(templateCondition(Conditions.STALLED).getStatus()));
    assertThat(templateCondition(Conditions.STALLED).getReason()).isEqualTo("ApiError422");
    assertThat(templateCondition(Conditions.STALLED).getMessage()).contains("admission webhook denied");
    assertThat(templateCondition(Conditions.READY).getStatus()).isEqualTo("False");

    deleteInstance("alice-sd");
    awaitGone("alice-sd");
    deleteInstance("bob-sd");
    awaitGone("bob-sd");
  }

  @Test
  void problem4_theGameServerSetDoesNotGrowWithTheInstanceCount() {
    applyExampleTemplate();
    install("a-sd", "a");
    awaitPhase("a-sd", InstancePhase.Running);
    int annotationsWithOne = gameServerSet().getMetadata().getAnnotations().toString().length();
    for (int i = 0; i < 30; i++) install("user-with-a-rather-long-name-of-sixty-characters-" + i, "u" + i);
    await().atMost(WAIT).until(() -> gameServerSet().getSpec().getReplicas() == 31);
    assertThat(gameServerSet().getMetadata().getAnnotations().toString().length()).isEqualTo(annotationsWithOne);
    assertThat(kubectl.persistentVolumeClaims().inNamespace(NS).list().getItems()).hasSize(31)
        .allSatisfy(p -> assertThat(p.getMetadata().getAnnotations()).containsKeys(Labels.DISK_OWNER, Labels.DISK_INSTANCE_UID));
  }

  @Test
  void problem5_aSameNamedGameServerSetWeDoNotOwnIsReportedNotOnlyLogged() {
    GameServerSet foreign = new GameServerSet();
    foreign.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(TEMPLATE).withNamespace(NS).build());
    foreign.setSpec(new dev.aigc.operator.okg.GameServerSetSpec());
    foreign.getSpec().setReplicas(0);
    kubectl.resource(foreign).create();
    applyExampleTemplate();

    await().atMost(WAIT).until(() -> templateCondition(Conditions.STALLED) != null
        && "True".equals(templateCondition(Conditions.STALLED).getStatus()));
    assertThat(templateCondition(Conditions.STALLED).getReason()).isEqualTo("ApiError409");
    assertThat(templateCondition(Conditions.STALLED).getMessage()).contains("already exists");
  }

  @Test
  void problem6_aForeignDiskIsHeldCountedAndGivenOnlyToTheOwnerAnAdminNames() {
    // a disk AIGC-Gateway left: our name, none of our labels or annotations
    kubectl.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName("user-data-" + TEMPLATE + "-0").withNamespace(NS).endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").endSpec().build()).create();
    String foreignUid = diskUid(0);
    applyExampleTemplate();
    install("carol-sd", "carol");

    assertThat(awaitPhase("carol-sd", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(1);
    await().atMost(WAIT).until(() -> template().getStatus() != null && Integer.valueOf(1).equals(template().getStatus().getUnclaimedDisks()));
    await().atMost(WAIT).until(() -> eventSeen("UnclaimedDisks"));
    assertThat(disk(0).getMetadata().getAnnotations()).as("a foreign disk is not stamped").isNullOrEmpty();

    kubectl.persistentVolumeClaims().inNamespace(NS).withName("user-data-" + TEMPLATE + "-0").edit(p -> {
      p.getMetadata().setAnnotations(Map.of(Labels.DISK_OWNER, "alice"));
      return p;
    });
    // the admin sees the assignment taken (no unclaimed disk left) before alice installs
    await().atMost(WAIT).until(() -> Integer.valueOf(0).equals(template().getStatus().getUnclaimedDisks()));
    install("alice-sd", "alice");
    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId()).isZero();
    assertThat(diskUid(0)).isEqualTo(foreignUid);
    await().atMost(WAIT).until(() -> Integer.valueOf(0).equals(template().getStatus().getUnclaimedDisks()));
  }

  @Test
  void problem6_aDeleteFromAStaleCacheCannotRemoveTheDiskThatReplacedIt() {
    String name = "user-data-" + TEMPLATE + "-0";
    PersistentVolumeClaim alices = kubectl.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToAnnotations(Labels.DISK_OWNER, "alice").endMetadata().build()).create();
    DiskRecord stale = DiskRecord.of(TEMPLATE, alices);
    kubectl.persistentVolumeClaims().inNamespace(NS).withName(name).delete();
    kubectl.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToAnnotations(Labels.DISK_OWNER, "bob").endMetadata().build()).create();
    // The mock API server ignores preconditions; answer this one delete as a real API server would.
    List<String> bodies = new ArrayList<>();
    cluster.server().expect().delete().withPath("/api/v1/namespaces/" + NS + "/persistentvolumeclaims/" + name)
        .andReply(409, request -> {
          bodies.add(request.getBody().readUtf8());
          return new StatusBuilder().withCode(409).withReason("Conflict").withMessage("Precondition failed").build();
        }).once();

    assertThatThrownBy(() -> new Disks(operatorClient).delete(NS, stale, alices))
        .isInstanceOf(KubernetesClientException.class);
    assertThat(bodies).singleElement().asString().contains("\"preconditions\"")
        .contains("\"resourceVersion\":\"" + alices.getMetadata().getResourceVersion() + "\"");
    assertThat(disk(0).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "bob");
  }

  @Test
  void problem7_disksAreNotArgoCdsAndAStoppedInstanceIsReadyAndAnInvalidTemplateStalled() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(disk(0).getMetadata().getLabels()).doesNotContainKey("app.kubernetes.io/instance")
        .containsEntry(Labels.TEMPLATE, TEMPLATE);
    assertThat(disk(0).getMetadata().getOwnerReferences()).isNullOrEmpty();

    setState("alice-sd", InstanceState.Stopped);
    AigcInstance stopped = awaitPhase("alice-sd", InstancePhase.Stopped);
    await().atMost(WAIT).until(() -> Long.valueOf(2).equals(instance("alice-sd").getStatus().getObservedGeneration()));
    stopped = instance("alice-sd");
    assertThat(condition(stopped, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(stopped, Conditions.RECONCILING).getStatus()).isEqualTo("False");
    assertThat(condition(stopped, Conditions.STALLED).getStatus()).isEqualTo("False");
    assertThat(stopped.getStatus().getObservedGeneration()).isEqualTo(stopped.getMetadata().getGeneration());

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getDedicated().getIngress().setHost("no-placeholder.example.com");
      return t;
    });
    await().atMost(WAIT).until(() -> templateCondition(Conditions.STALLED) != null
        && "True".equals(templateCondition(Conditions.STALLED).getStatus()));
    assertThat(templateCondition(Conditions.STALLED).getReason()).isEqualTo("InvalidSpec");
    assertThat(template().getStatus().getObservedGeneration()).isEqualTo(template().getMetadata().getGeneration());
  }
}
