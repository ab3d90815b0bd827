package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.SharedSpec;
import dev.aigc.operator.render.Conditions;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.Condition;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Templates with spec.shared get a Knative Service, on the mock API server with a Knative simulator. */
class SharedEndpointIT extends OperatorTestBase {
  static final String SHARED = "stable-diffusion-shared";

  @Override
  boolean withKnative() {
    return true;
  }

  @Test
  void aSharedTemplateGetsAKnativeServiceAndItsUrlAndReadinessInTheStatus() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-shared.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    kubectl.resource(template).create();

    AigcTemplate ready = awaitTemplate(SHARED, t -> Conditions.isTrue(t.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY));
    assertThat(ready.getStatus().getSharedUrl()).isEqualTo("http://" + SHARED + "." + NS + ".example.com");
    assertThat(ready.getStatus().getSharedGeneration()).isEqualTo(1L);
    assertThat(ready.getStatus().getModes()).isEqualTo("shared");
    assertThat(Conditions.isTrue(ready.getStatus().getConditions(), Conditions.READY)).isTrue();

    Service service = knativeService(SHARED);
    assertThat(service.getSpec().getTemplate().getSpec().getContainerConcurrency()).isEqualTo(1L);
    assertThat(service.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("autoscaling.knative.dev/max-scale", "10")
        .containsEntry("autoscaling.knative.dev/class", "mpa.autoscaling.knative.dev");
    assertThat(service.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo(ready.getMetadata().getUid()));
  }

  @Test
  void aTemplateUpdateReachesTheGameServerSetAndTheKnativeServiceTogether() {
    createBothModes();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitTemplate(TEMPLATE, t -> Long.valueOf(1).equals(t.getStatus().getSharedGeneration()));

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getApp().setImage("registry.example.com/sd:v2");
      return t;
    });

    AigcTemplate updated = awaitTemplate(TEMPLATE, t -> Long.valueOf(2).equals(t.getStatus().getSharedGeneration())
        && Long.valueOf(2).equals(t.getStatus().getDedicatedGeneration()));
    assertThat(updated.getStatus().getObservedGeneration()).isEqualTo(2L);
    assertThat(knativeService(TEMPLATE).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/sd:v2");
    assertThat(gameServerSet().getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/sd:v2");
    assertThat(instance("alice-sd").getStatus().getPhase()).isEqualTo(InstancePhase.Running);
  }

  @Test
  void removingSharedDeletesTheKnativeService() {
    createBothModes();
    awaitTemplate(TEMPLATE, t -> t.getStatus().getSharedUrl() != null);

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().setShared(null);
      return t;
    });

    await().atMost(WAIT).until(() -> knativeService(TEMPLATE) == null);
    AigcTemplate after = awaitTemplate(TEMPLATE, t -> t.getStatus().getSharedUrl() == null);
    assertThat(Conditions.find(after.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY)).isNull();
    assertThat(after.getStatus().getModes()).isEqualTo("dedicated");
    assertThat(gameServerSet()).as("the dedicated mode stays").isNotNull();
  }

  /** deletionPolicy Cascade: the template's objects go before it does, not left to a garbage collector. */
  @Test
  void deletingTheTemplateDeletesItsKnativeServiceAndGameServerSet() {
    createBothModes();
    awaitTemplate(TEMPLATE, t -> t.getStatus().getSharedUrl() != null && t.getStatus().getGameServerSet() != null);

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).delete();

    await().atMost(WAIT).until(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get() == null);
    assertThat(knativeService(TEMPLATE)).isNull();
    assertThat(gameServerSet()).isNull();
  }

  @Test
  void knativesNotReadyIsMirroredWithItsReasonAndMessage() {
    createBothModes();
    awaitTemplate(TEMPLATE, t -> Conditions.isTrue(t.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY));

    cluster.knative().failWith(NS, TEMPLATE, "RevisionMissing", "Configuration \"" + TEMPLATE + "\" does not have any ready Revision.");

    AigcTemplate failing = awaitTemplate(TEMPLATE, t -> {
      Condition c = Conditions.find(t.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY);
      return c != null && Conditions.FALSE.equals(c.getStatus());
    });
    Condition c = Conditions.find(failing.getStatus().getConditions(), Conditions.SHARED_ENDPOINT_READY);
    assertThat(c.getReason()).isEqualTo("RevisionMissing");
    assertThat(c.getMessage()).contains("does not have any ready Revision");
  }

  @Test
  void invalidSharedValuesAreRefusedNamingTheFieldAndTheServiceStaysAsItWas() {
    createBothModes();
    awaitTemplate(TEMPLATE, t -> t.getStatus().getSharedUrl() != null);
    String version = knativeService(TEMPLATE).getMetadata().getResourceVersion();

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
      t.getSpec().getShared().setContainerConcurrency(5000);
      t.getSpec().getShared().setMinScale(3);
      t.getSpec().getShared().setMaxScale(2);
      return t;
    });

    AigcTemplate refused = awaitTemplate(TEMPLATE, t -> !Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));
    Condition ready = Conditions.find(refused.getStatus().getConditions(), Conditions.READY);
    assertThat(ready.getReason()).isEqualTo("InvalidSpec");
    assertThat(ready.getMessage()).contains("spec.shared.containerConcurrency").contains("spec.shared.minScale");
    assertThat(knativeService(TEMPLATE).getMetadata().getResourceVersion()).isEqualTo(version);
  }

  private void createBothModes() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    SharedSpec shared = new SharedSpec();
    shared.setContainerConcurrency(1);
    shared.setMaxScale(5);
    template.getSpec().setShared(shared);
    kubectl.resource(template).create();
  }

  private Service knativeService(String name) {
    return kubectl.resources(Service.class).inNamespace(NS).withName(name).get();
  }

  private AigcTemplate awaitTemplate(String name, Predicate<AigcTemplate> condition) {
    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(name).get();
      return t != null && t.getStatus() != null && condition.test(t);
    });
    return kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(name).get();
  }
}
