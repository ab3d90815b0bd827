package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.DeletionPolicy;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What deleting a template does to its users under each deletion policy (real reconcilers, OKG simulator). */
class TemplateDeletionIT extends OperatorTestBase {

  @Test
  void cascadeDeletesTheInstancesEachDiskByItsRetentionThenTheSetAndARecreatedTemplateGivesKeptDisksBack() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    AigcInstance bob = new AigcInstance();
    bob.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("bob-sd").withNamespace(NS).build());
    bob.setSpec(new dev.aigc.operator.api.AigcInstanceSpec());
    bob.getSpec().setTemplate(TEMPLATE);
    bob.getSpec().setOwner("bob");
    bob.getSpec().setDataRetention(DataRetention.Delete);
    bob = kubectl.resource(bob).create();
    int aliceId = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();
    int bobId = awaitPhase("bob-sd", InstancePhase.Running).getStatus().getInstanceId();
    String aliceDisk = disk(aliceId).getMetadata().getUid();

    template().delete();

    await().atMost(WAIT).until(() -> template().get() == null);
    assertThat(instance("alice-sd")).isNull();
    assertThat(instance("bob-sd")).isNull();
    assertThat(disk(bobId)).as("bob asked for his data to go").isNull();
    assertThat(disk(aliceId).getMetadata().getUid()).as("alice's data stays").isEqualTo(aliceDisk);
    assertThat(disk(aliceId).getMetadata().getAnnotations()).containsEntry(Labels.DISK_OWNER, "alice");
    assertThat(gameServerSet()).isNull();
    await().atMost(WAIT).until(() -> !podExists(aliceId) && !podExists(bobId));
    assertThat(reasons()).contains("DeletingInstances", "DisksRetained");
    assertThat(bob.getMetadata().getUid()).isNotNull();

    // the admin publishes the template again; alice installs again and finds her data
    applyExampleTemplate();
    install("alice-again", "alice");
    AigcInstance back = awaitPhase("alice-again", InstancePhase.Running);
    assertThat(back.getStatus().getInstanceId()).isEqualTo(aliceId);
    assertThat(disk(aliceId).getMetadata().getUid()).isEqualTo(aliceDisk);
  }

  @Test
  void blockKeepsTheTemplateAndItsUsersRunningAndSaysWhyUntilTheInstancesAreGone() {
    AigcTemplate template = load(java.nio.file.Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getSpec().setDeletionPolicy(DeletionPolicy.Block);
    kubectl.resource(template).create();
    install("alice-sd", "alice");
    int aliceId = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();

    template().delete();

    await().atMost(WAIT).until(() -> {
      AigcTemplate t = template().get();
      Condition stalled = t == null || t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), Conditions.STALLED);
      return stalled != null && Conditions.TRUE.equals(stalled.getStatus()) && "DeletionBlocked".equals(stalled.getReason());
    });
    Condition stalled = Conditions.find(template().get().getStatus().getConditions(), Conditions.STALLED);
    assertThat(stalled.getMessage()).contains("alice-sd", "deletionPolicy is Block");
    assertThat(template().get().getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(instance("alice-sd").getStatus().getPhase()).isEqualTo(InstancePhase.Running);
    assertThat(podExists(aliceId)).isTrue();
    assertThat(reasons()).contains("DeletionBlocked");

    // alice deletes her instance herself: nothing holds the template any more
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").delete();
    await().atMost(WAIT).until(() -> template().get() == null);
    assertThat(disk(aliceId)).as("alice's retained disk stays").isNotNull();
  }

  /**
   * While a Block deletion waits, its users still stop and delete their instances, and each stop or
   * deletion stops its pod (it froze the GameServerSet: pods kept running, a stop never ended).
   */
  @Test
  void whileABlockedDeletionWaitsStopsAndDeletionsStillStopTheirPods() {
    AigcTemplate template = load(java.nio.file.Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getSpec().setDeletionPolicy(DeletionPolicy.Block);
    kubectl.resource(template).create();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    install("carol-sd", "carol");
    int aliceId = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();
    int bobId = awaitPhase("bob-sd", InstancePhase.Running).getStatus().getInstanceId();
    int carolId = awaitPhase("carol-sd", InstancePhase.Running).getStatus().getInstanceId();
    template().delete();
    await().atMost(WAIT).until(() -> {
      Condition stalled = Conditions.find(template().get().getStatus().getConditions(), Conditions.STALLED);
      return stalled != null && "DeletionBlocked".equals(stalled.getReason());
    });

    setState("bob-sd", InstanceState.Stopped);
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").delete();
    awaitGone("alice-sd");
    AigcInstance bob = awaitPhase("bob-sd", InstancePhase.Stopped);
    assertThat(Conditions.isTrue(bob.getStatus().getConditions(), Conditions.READY)).as("a stopped instance that is stopped is Ready")
        .isTrue();
    await().atMost(WAIT).until(() -> !podExists(aliceId) && !podExists(bobId));
    assertThat(podExists(carolId)).as("carol's keeps running").isTrue();
    // a new instance meanwhile gets no ID, and says why
    install("dave-sd", "dave");
    await().atMost(WAIT).until(() -> {
      AigcInstance dave = instance("dave-sd");
      Condition stalled = dave.getStatus() == null ? null : Conditions.find(dave.getStatus().getConditions(), Conditions.STALLED);
      return stalled != null && "TemplateDeleting".equals(stalled.getReason());
    });
    assertThat(instance("dave-sd").getStatus().getInstanceId()).isNull();
    assertThat(disk(aliceId)).as("alice's retained disk stays").isNotNull();
    assertThat(template().get()).as("carol's instance still holds the template").isNotNull();
  }

  private io.fabric8.kubernetes.client.dsl.Resource<AigcTemplate> template() {
    return kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE);
  }

  private List<String> reasons() {
    return kubectl.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> TEMPLATE.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }
}
