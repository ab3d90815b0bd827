package dev.aigc.operator.reconcile;

import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.UpgradeStatus;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A cluster with the OKG simulator and a running operator, plus the steps a user takes. */
abstract class OperatorTestBase {
  static final String NS = "team-a";
  static final String TEMPLATE = "stable-diffusion-cpu";
  static final OperatorSettings SETTINGS = new OperatorSettings(Set.of(),
      "http://aigc-gateway.aigc-system.svc:8080/auth", "https://aigc.example.com/sign-in");
  // an upper bound only: conditions usually hold within seconds, but CI machines are shared
  static final Duration WAIT = Duration.ofSeconds(60);

  MockCluster cluster;
  KubernetesClient kubectl;
  KubernetesClient operatorClient;
  AigcOperator operator;

  /** Whether the cluster has Knative Serving installed. */
  boolean withKnative() {
    return false;
  }

  @BeforeEach
  void startCluster() {
    cluster = withKnative() ? MockCluster.startWithKnative() : MockCluster.start();
    kubectl = cluster.client();
    startOperator();
  }

  @AfterEach
  void stopCluster() throws Exception {
    stopOperator();
    cluster.close();
  }

  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    operator = new AigcOperator(operatorClient, SETTINGS).start();
  }

  void stopOperator() {
    if (operator != null) operator.close();
    if (operatorClient != null) operatorClient.close();
    operator = null;
  }

  AigcTemplate applyExampleTemplate() {
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    return kubectl.resource(template).create();
  }

  static <T> T load(Path file, Class<T> type) {
    try (InputStream in = Files.newInputStream(file)) {
      return Serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  AigcInstance install(String name, String owner) {
    return install(name, owner, TEMPLATE);
  }

  AigcInstance install(String name, String owner, String template) {
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate(template);
    spec.setOwner(owner);
    instance.setSpec(spec);
    return kubectl.resource(instance).create();
  }

  /** Edits the template as kubectl edit does, again after a conflict with the operator's own writes. */
  void editTemplate(java.util.function.Consumer<AigcTemplate> change) {
    await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 409)
        .until(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).edit(t -> {
          change.accept(t);
          return t;
        }) != null);
  }

  void setState(String name, InstanceState state) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
      i.getSpec().setState(state);
      return i;
    });
  }

  /** Waits until the instance runs on a pod and its UpdateAvailable condition has {@code available}. */
  Condition awaitUpdate(String name, boolean available) {
    String want = available ? Conditions.TRUE : Conditions.FALSE;
    await().atMost(WAIT).until(() -> {
      AigcInstance i = instance(name);
      Condition c = i == null || i.getStatus() == null ? null : Conditions.find(i.getStatus().getConditions(), UpgradeStatus.UPDATE_AVAILABLE);
      return c != null && want.equals(c.getStatus()) && i.getStatus().getPhase() == InstancePhase.Running;
    });
    return Conditions.find(instance(name).getStatus().getConditions(), UpgradeStatus.UPDATE_AVAILABLE);
  }

  AigcInstance instance(String name) {
    return kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).get();
  }

  AigcInstance awaitPhase(String name, InstancePhase phase) {
    await().atMost(WAIT).until(() -> {
      AigcInstance i = instance(name);
      return i != null && i.getStatus() != null && i.getStatus().getPhase() == phase;
    });
    return instance(name);
  }

  void awaitGone(String name) {
    await().atMost(WAIT).until(() -> instance(name) == null);
  }

  GameServerSet gameServerSet() {
    return kubectl.resources(GameServerSet.class).inNamespace(NS).withName(TEMPLATE).get();
  }

  PersistentVolumeClaim disk(int id) {
    return kubectl.persistentVolumeClaims().inNamespace(NS).withName("user-data-" + TEMPLATE + "-" + id).get();
  }

  boolean podExists(int id) {
    return kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-" + id).get() != null;
  }
}
