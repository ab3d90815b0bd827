package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Objects this version cannot fully read: fields of a newer CRD (written during a Helm upgrade while
 * the old operator still runs, or through an API server that does not prune), and fields of the
 * wrong JSON type (an API server without schema validation). They are stored through a generic
 * client, as such a server would hand them out, and must never stop the operator.
 */
class UnreadableObjectIT extends OperatorTestBase {
  private static final String LENIENT_LOGGER = "dev.aigc.operator.config.LenientSerialization";
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void captureLenientLogs() {
    Logger logger = (Logger) LoggerFactory.getLogger(LENIENT_LOGGER);
    levelBefore = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void releaseLenientLogs() {
    Logger logger = (Logger) LoggerFactory.getLogger(LENIENT_LOGGER);
    logger.detachAppender(logged);
    logger.setLevel(levelBefore);
  }

  @Test
  void aTemplateWithFieldsOfANewerVersionGetsItsGameServerSetAndItsInstanceRuns() {
    GenericKubernetesResource template = exampleTemplate(TEMPLATE);
    set(template, "spec.fromTheFuture", "yes");
    set(template, "spec.app.sidecars", List.of(Map.of("name", "log-shipper")));
    set(template, "status.fromTheFuture", Map.of("ready", true));
    create(templates(), template);

    install("alice-sd", "alice");

    awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(gameServerSet()).isNotNull();
    assertThat(operator.ready()).isTrue();
    // what we cannot read, we must not erase: our writes leave the newer fields as they were
    GenericKubernetesResource stored = templates().withName(TEMPLATE).get();
    assertThat((Object) stored.get("spec", "fromTheFuture")).isEqualTo("yes");
    assertThat((Object) stored.get("spec", "app", "sidecars")).isEqualTo(List.of(Map.of("name", "log-shipper")));
  }

  @Test
  void anInstanceWithFieldsOfANewerVersionRuns() {
    applyExampleTemplate();
    GenericKubernetesResource instance = genericInstance("alice-sd", "alice", TEMPLATE);
    set(instance, "spec.fromTheFuture", Map.of("gpuSlices", 2));
    set(instance, "status.fromTheFuture", "yes");
    create(instances(), instance);

    awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(operator.ready()).isTrue();
    assertThat((Object) instances().withName("alice-sd").get().get("spec", "fromTheFuture")).isEqualTo(Map.of("gpuSlices", 2));
  }

  @Test
  void aTemplateWithWrongTypedFieldsIsReportedAndStopsNothingElse() {
    GenericKubernetesResource broken = exampleTemplate("broken");
    set(broken, "spec.app.image", Map.of("registry", "example.com", "name", "sd"));
    set(broken, "spec.app.port", "abc");
    set(broken, "status.instances", "many");
    create(templates(), broken);
    GenericKubernetesResource brokenInstance = genericInstance("bob-sd", "bob", TEMPLATE);
    set(brokenInstance, "spec.state", List.of("Stopped"));
    create(instances(), brokenInstance);

    applyExampleTemplate();
    install("alice-sd", "alice");

    awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(operator.ready()).isTrue();
    // read with the wrong-typed fields absent, so the validator names what is missing
    Map<String, Object> ready = awaitReadyCondition(templates(), "broken");
    assertThat(ready.get("status")).isEqualTo("False");
    assertThat((String) ready.get("message")).contains("spec.app.image");
    // the state it cannot read counts as absent, i.e. the default (Running)
    awaitPhase("bob-sd", InstancePhase.Running);
    // and what it could not read, it did not overwrite
    assertThat((Object) templates().withName("broken").get().get("spec", "app", "port")).isEqualTo("abc");
    assertThat((Object) instances().withName("bob-sd").get().get("spec", "state")).isEqualTo(List.of("Stopped"));

    // a restart (as during a Helm upgrade) reads them all again on startup, and still starts
    stopOperator();
    startOperator();
    install("carol-sd", "carol");
    awaitPhase("carol-sd", InstancePhase.Running);
    await().atMost(WAIT).until(operator::ready);
  }

  @Test
  void anUnknownFieldIsLoggedOnceHoweverOftenItIsRead() {
    GenericKubernetesResource template = exampleTemplate(TEMPLATE);
    set(template, "spec.fromTheFuture", "yes");
    create(templates(), template);
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);

    // each change is read again: by the watch, by reconciles, by our own status writes
    for (int i = 1; i <= 5; i++) {
      String displayName = "Stable Diffusion " + i;
      // as kubectl patch --type merge does: no resourceVersion, so the operator's writes in between do not conflict
      templates().withName(TEMPLATE).patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
          io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"displayName\":\"" + displayName + "\"}}");
    }
    await().atMost(WAIT).until(() -> {
      GenericKubernetesResource t = templates().withName(TEMPLATE).get();
      return t.getMetadata().getGeneration().equals(asLong(t.get("status", "observedGeneration")));
    });

    List<ILoggingEvent> about = logged.list.stream()
        .filter(e -> e.getFormattedMessage().contains("AigcTemplate") && e.getFormattedMessage().contains("spec.fromTheFuture"))
        .toList();
    assertThat(about).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
    // proof that it was read many times: the later readings are at DEBUG
    assertThat(about).filteredOn(e -> e.getLevel() == Level.DEBUG).hasSizeGreaterThanOrEqualTo(5);
  }

  private static Long asLong(Object value) {
    return value instanceof Number n ? n.longValue() : null;
  }

  private Map<String, Object> awaitReadyCondition(
      NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> kind,
      String name) {
    await().atMost(WAIT).until(() -> readyCondition(kind.withName(name).get()) != null);
    return readyCondition(kind.withName(name).get());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readyCondition(GenericKubernetesResource resource) {
    Object conditions = resource == null ? null : resource.get("status", "conditions");
    if (!(conditions instanceof List<?> list)) return null;
    return list.stream().map(c -> (Map<String, Object>) c).filter(c -> "Ready".equals(c.get("type"))).findFirst().orElse(null);
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> templates() {
    return kubectl.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(AigcTemplate.class)).inNamespace(NS);
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> instances() {
    return kubectl.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(AigcInstance.class)).inNamespace(NS);
  }

  /** Creates the object, then writes its status too, as the status subresource may drop it on create. */
  private static void create(
      NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> kind,
      GenericKubernetesResource resource) {
    Object status = resource.getAdditionalProperties().get("status");
    GenericKubernetesResource created = kind.resource(resource).create();
    if (status != null && !status.equals(created.getAdditionalProperties().get("status"))) {
      created.getAdditionalProperties().put("status", status);
      kind.resource(created).updateStatus();
    }
  }

  private GenericKubernetesResource exampleTemplate(String name) {
    try {
      GenericKubernetesResource template = kubectl.getKubernetesSerialization()
          .unmarshal(Files.readString(Path.of("examples/stable-diffusion-cpu.yaml")), GenericKubernetesResource.class);
      template.getMetadata().setNamespace(NS);
      template.getMetadata().setName(name);
      return template;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static GenericKubernetesResource genericInstance(String name, String owner, String template) {
    GenericKubernetesResource instance = new GenericKubernetesResource();
    instance.setApiVersion(AigcTemplate.GROUP + "/" + AigcTemplate.VERSION);
    instance.setKind("AigcInstance");
    instance.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    set(instance, "spec.template", template);
    set(instance, "spec.owner", owner);
    return instance;
  }

  /** Sets a field by its dotted path, creating the objects on the way. */
  @SuppressWarnings("unchecked")
  private static void set(GenericKubernetesResource resource, String path, Object value) {
    String[] keys = path.split("\\.");
    Map<String, Object> current = resource.getAdditionalProperties();
    for (int i = 0; i < keys.length - 1; i++) {
      current = (Map<String, Object>) current.computeIfAbsent(keys[i], k -> new LinkedHashMap<String, Object>());
    }
    current.put(keys[keys.length - 1], value);
  }
}
