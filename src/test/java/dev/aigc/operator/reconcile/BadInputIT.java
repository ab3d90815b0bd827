package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.SharedSpec;
import dev.aigc.operator.render.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error and changes nothing (DESIGN invariant 9). */
class BadInputIT extends OperatorTestBase {

  @Test
  void anInvalidTemplateIsNotReadyNamingTheFieldAndItsGameServerSetStaysAsItWas() {
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    String imageBefore = gameServerSet().getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getImage();

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getApp().setImage("registry.example.com/sd:v2");
      t.getSpec().getDedicated().getIngress().setHost("instances-cpu.example.com");
      return t;
    });

    Condition ready = awaitTemplateReady(false);
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.dedicated.ingress.host");
    assertThat(gameServerSet().getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(imageBefore);
    assertThat(instance("alice-sd").getStatus().getPhase()).isEqualTo(InstancePhase.Running);
    await().atMost(WAIT).until(() -> kubectl.v1().events().inNamespace(NS).list().getItems().stream()
        .map(Event::getReason).anyMatch("InvalidSpec"::equals));

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getDedicated().getIngress().setHost("instances<id>-cpu.example.com");
      return t;
    });
    awaitTemplateReady(true);
    await().atMost(WAIT).until(() -> "registry.example.com/sd:v2".equals(
        gameServerSet().getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getImage()));
  }

  @Test
  void anInstanceOfAnUnknownTemplateFailsAndNothingIsCreated() {
    install("alice-sd", "alice", "no-such-template");
    AigcInstance failed = awaitPhase("alice-sd", InstancePhase.Failed);
    Condition ready = Conditions.find(failed.getStatus().getConditions(), Conditions.READY);
    assertThat(ready.getReason()).isEqualTo("TemplateNotFound");
    assertThat(ready.getMessage()).contains("no-such-template");
    assertThat(kubectl.pods().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void anInstanceOfASharedOnlyTemplateFails() {
    AigcTemplate template = load(java.nio.file.Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getMetadata().setName("shared-only");
    template.getSpec().setDedicated(null);
    template.getSpec().setShared(new SharedSpec());
    kubectl.resource(template).create();

    install("alice-sd", "alice", "shared-only");
    AigcInstance failed = awaitPhase("alice-sd", InstancePhase.Failed);
    assertThat(Conditions.find(failed.getStatus().getConditions(), Conditions.READY).getReason()).isEqualTo("NoDedicatedMode");
    assertThat(kubectl.resources(dev.aigc.operator.okg.GameServerSet.class).inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void theTemplateWritesNoSpecOfItsOwn() {
    AigcTemplate applied = applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitTemplateReady(true);
    AigcTemplate now = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    assertThat(now.getMetadata().getGeneration()).as("no spec write by the operator").isEqualTo(applied.getMetadata().getGeneration());
    AigcInstance alice = instance("alice-sd");
    assertThat(alice.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(alice.getStatus().getObservedGeneration()).isEqualTo(1L);
  }

  private Condition awaitTemplateReady(boolean ready) {
    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
      return t.getStatus() != null && t.getStatus().getObservedGeneration() != null
          && t.getStatus().getObservedGeneration().equals(t.getMetadata().getGeneration())
          && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY) == ready;
    });
    AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    return Conditions.find(t.getStatus().getConditions(), Conditions.READY);
  }
}
