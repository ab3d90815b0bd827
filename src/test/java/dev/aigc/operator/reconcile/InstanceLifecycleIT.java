package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a user sees across an instance's life, on the mock API server with the OKG simulator. */
class InstanceLifecycleIT extends OperatorTestBase {

  @Test
  void threeInstancesGetIdsZeroOneTwoAndRunAtTheirOwnHosts() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    install("carol-sd", "carol");

    AigcInstance alice = awaitPhase("alice-sd", InstancePhase.Running);
    AigcInstance bob = awaitPhase("bob-sd", InstancePhase.Running);
    AigcInstance carol = awaitPhase("carol-sd", InstancePhase.Running);

    assertThat(List.of(alice.getStatus().getInstanceId(), bob.getStatus().getInstanceId(), carol.getStatus().getInstanceId()))
        .containsExactlyInAnyOrder(0, 1, 2);
    assertThat(alice.getStatus().getUrl()).isEqualTo("http://instances" + alice.getStatus().getInstanceId() + "-cpu.example.com/");
    assertThat(alice.getStatus().getGameServer()).isEqualTo(TEMPLATE + "-" + alice.getStatus().getInstanceId());
    assertThat(alice.getStatus().getVolumeClaim()).isEqualTo("user-data-" + TEMPLATE + "-" + alice.getStatus().getInstanceId());
    assertThat(gameServerSet().getSpec().getReplicas()).isEqualTo(3);
    assertThat(GameServerSetUpdate.reservedIds(gameServerSet())).isEmpty();
  }

  @Test
  void stopReleasesComputeKeepsDiskAndStartBringsTheSameIdAndDiskBack() {
    applyExampleTemplate();
    for (String user : List.of("alice", "bob", "carol")) {
      install(user + "-sd", user);
      awaitPhase(user + "-sd", InstancePhase.Running);
    }
    int bobId = instance("bob-sd").getStatus().getInstanceId();
    assertThat(bobId).isEqualTo(1);
    String diskUid = disk(1).getMetadata().getUid();

    setState("bob-sd", InstanceState.Stopped);
    AigcInstance stopped = awaitPhase("bob-sd", InstancePhase.Stopped);

    assertThat(stopped.getStatus().getInstanceId()).isEqualTo(1);
    assertThat(gameServerSet().getSpec().getReplicas()).isEqualTo(2);
    assertThat(GameServerSetUpdate.reservedIds(gameServerSet())).containsExactly(1);
    assertThat(podExists(1)).isFalse();
    assertThat(podExists(0)).isTrue();
    assertThat(podExists(2)).isTrue();
    assertThat(disk(1)).isNotNull();

    setState("bob-sd", InstanceState.Running);
    AigcInstance started = awaitPhase("bob-sd", InstancePhase.Running);

    assertThat(started.getStatus().getInstanceId()).isEqualTo(1);
    assertThat(podExists(1)).isTrue();
    assertThat(disk(1).getMetadata().getUid()).as("the same disk, re-attached").isEqualTo(diskUid);
    assertThat(gameServerSet().getSpec().getReplicas()).isEqualTo(3);
    await().atMost(WAIT).until(() -> GameServerSetUpdate.reservedIds(gameServerSet()).stream().noneMatch(id -> id <= 2));
  }

  @Test
  void deletingWithRetainKeepsTheDiskAndItsIdIsNotGivenToAnotherOwner() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    install("bob-sd", "bob");
    awaitPhase("bob-sd", InstancePhase.Running);

    kubectl.resource(instance("alice-sd")).delete();
    awaitGone("alice-sd");

    assertThat(disk(0)).as("Retain keeps alice's disk").isNotNull();
    assertThat(disk(0).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "alice");
    await().atMost(WAIT).alias("the pod goes once the ID is released").until(() -> !podExists(0));

    install("carol-sd", "carol");
    assertThat(awaitPhase("carol-sd", InstancePhase.Running).getStatus().getInstanceId())
        .as("carol must not get alice's disk").isEqualTo(2);

    install("alice-sd-again", "alice");
    assertThat(awaitPhase("alice-sd-again", InstancePhase.Running).getStatus().getInstanceId())
        .as("alice reinstalls and gets her data back").isEqualTo(0);
  }

  @Test
  void deletingWithDeleteRemovesTheDiskAndFreesTheId() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      i.getSpec().setDataRetention(DataRetention.Delete);
      return i;
    });

    kubectl.resource(instance("alice-sd")).delete();
    awaitGone("alice-sd");
    await().atMost(WAIT).until(() -> disk(0) == null);

    install("bob-sd", "bob");
    assertThat(awaitPhase("bob-sd", InstancePhase.Running).getStatus().getInstanceId()).isEqualTo(0);
  }
}
