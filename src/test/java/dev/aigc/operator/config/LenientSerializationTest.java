package dev.aigc.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServerSet;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LenientSerializationTest {
  private static final String TEMPLATE = """
      {"apiVersion": "aigc.dev/v1alpha1", "kind": "AigcTemplate",
       "metadata": {"name": "sd", "namespace": "team-a"},
       "spec": {
         "fromTheFuture": {"nested": [1, 2, {"deep": true}]},
         "app": {"image": {"registry": "example.com", "name": "sd"}, "command": "python3",
                 "sidecars": [{"name": "x"}], "port": "abc", "args": ["--listen"],
                 "env": [{"name": "A", "value": "1", "fromTheFuture": 1}, {"name": "B", "value": "2"}]},
         "displayName": "Stable Diffusion",
         "dedicated": {"storage": {"size": "50Gi", "mountPath": "/data"}, "ingress": {"host": "i<id>.example.com"}}},
       "status": {"instances": "many", "fromTheFuture": 1, "modes": "dedicated"}}
      """;

  private final KubernetesSerialization lenient = new LenientSerialization();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(LenientSerialization.class);
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void release() {
    logger.detachAppender(logged);
    logger.setLevel(levelBefore);
  }

  @Test
  void fabric8sOwnSerializationFailsOnWhatThisOneReads() {
    assertThatThrownBy(() -> new KubernetesSerialization().unmarshal(TEMPLATE, AigcTemplate.class))
        .hasStackTraceContaining("fromTheFuture");
  }

  @Test
  void unknownFieldsAreSkippedAndWrongTypesReadAsAbsentWithoutLosingTheFieldsAfterThem() {
    AigcTemplate template = lenient.unmarshal(TEMPLATE, AigcTemplate.class);

    var app = template.getSpec().getApp();
    assertThat(app.getImage()).isNull();
    assertThat(app.getCommand()).isNull();
    assertThat(app.getPort()).isNull();
    assertThat(app.getArgs()).containsExactly("--listen");
    assertThat(app.getEnv()).extracting(e -> e.getName()).containsExactly("A", "B");
    // fabric8's EnvVar keeps what it does not know (in additionalProperties): nothing to log for it
    assertThat(app.getEnv().get(0).getAdditionalProperties()).containsEntry("fromTheFuture", 1);
    assertThat(template.getSpec().getDisplayName()).isEqualTo("Stable Diffusion");
    assertThat(template.getSpec().getDedicated().getStorage().getSize()).isEqualTo("50Gi");
    assertThat(template.getStatus().getInstances()).isNull();
    assertThat(template.getStatus().getModes()).isEqualTo("dedicated");
    assertThat(warnings()).containsExactlyInAnyOrder(
        "AigcTemplate team-a/sd: ignoring spec.fromTheFuture, a field this version does not know (written through a newer CRD?) (logged once per kind and field)",
        "AigcTemplate team-a/sd: spec.app.image: expected a string, got an object; read as absent (logged once per kind and field)",
        "AigcTemplate team-a/sd: spec.app.command: expected a list, got a string; read as absent (logged once per kind and field)",
        "AigcTemplate team-a/sd: ignoring spec.app.sidecars, a field this version does not know (written through a newer CRD?) (logged once per kind and field)",
        "AigcTemplate team-a/sd: spec.app.port: expected a number, got \"abc\"; read as absent (logged once per kind and field)",
        "AigcTemplate team-a/sd: status.instances: expected a number, got \"many\"; read as absent (logged once per kind and field)",
        "AigcTemplate team-a/sd: ignoring status.fromTheFuture, a field this version does not know (written through a newer CRD?) (logged once per kind and field)");
  }

  @Test
  void anUnreadableEnumOrObjectIsAbsent() {
    AigcInstance instance = lenient.unmarshal("""
        {"apiVersion": "aigc.dev/v1alpha1", "kind": "AigcInstance", "metadata": {"name": "a", "namespace": "n"},
         "spec": {"state": ["Stopped"], "dataRetention": "Sometimes", "template": "sd", "owner": "alice"},
         "status": "broken"}
        """, AigcInstance.class);
    assertThat(instance.getSpec().getState()).isNull();
    assertThat(instance.getSpec().getDataRetention()).isNull();
    assertThat(instance.getSpec().getOwner()).isEqualTo("alice");
    assertThat(instance.getStatus()).isNull();
    assertThat(warnings()).hasSize(3).allMatch(w -> w.startsWith("AigcInstance n/a: "))
        .anyMatch(w -> w.contains("spec.state: expected one of [Running, Stopped], got a list"))
        .anyMatch(w -> w.contains("spec.dataRetention: expected one of [Retain, Delete], got \"Sometimes\""))
        .anyMatch(w -> w.contains("status: expected an object (AigcInstanceStatus), got a string"));
  }

  @Test
  void theSameFieldIsLoggedOncePerKindWhereverItIsAndHoweverOftenItIsRead() {
    for (int i = 0; i < 3; i++) lenient.unmarshal(TEMPLATE, AigcTemplate.class);
    // in a list, and in a watch event: the path starts at the object all the same
    KubernetesResourceList<AigcTemplate> list = lenient.unmarshal(new java.io.ByteArrayInputStream((
        "{\"apiVersion\": \"aigc.dev/v1alpha1\", \"kind\": \"AigcTemplateList\", \"metadata\": {}, \"items\": ["
            + TEMPLATE.replace("\"sd\"", "\"other\"") + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        new com.fasterxml.jackson.core.type.TypeReference<io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList<AigcTemplate>>() { });
    assertThat(list.getItems()).singleElement().extracting(t -> t.getSpec().getDisplayName()).isEqualTo("Stable Diffusion");
    lenient.registerKubernetesResource(AigcTemplate.class);
    WatchEvent event = lenient.unmarshal("{\"type\": \"MODIFIED\", \"object\": " + TEMPLATE + "}", WatchEvent.class);
    assertThat(event.getObject()).isInstanceOf(AigcTemplate.class);

    List<ILoggingEvent> future = logged.list.stream()
        .filter(e -> e.getFormattedMessage().contains("spec.fromTheFuture")).toList();
    assertThat(future).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
    assertThat(future).filteredOn(e -> e.getLevel() == Level.DEBUG).hasSize(4)
        .anyMatch(e -> e.getFormattedMessage().startsWith("AigcTemplate team-a/other: ignoring spec.fromTheFuture"));
    // another kind with a field of the same name is another warning
    lenient.unmarshal("""
        {"apiVersion": "aigc.dev/v1alpha1", "kind": "AigcInstance", "metadata": {"name": "a"},
         "spec": {"template": "sd", "owner": "alice", "fromTheFuture": 1}}
        """, AigcInstance.class);
    assertThat(warnings()).filteredOn(w -> w.contains("spec.fromTheFuture")).hasSize(2);
  }

  @Test
  void aWrongTypedValueInAnOkgObjectIsKeptAsItWasSoThatAnUpdateWritesItBack() {
    GameServerSet gss = lenient.unmarshal("""
        {"apiVersion": "game.kruise.io/v1alpha1", "kind": "GameServerSet", "metadata": {"name": "sd", "namespace": "n"},
         "spec": {"replicas": {"min": 1, "max": 3}, "fromOkg": "x", "reserveGameServerIds": [1, "2"]}}
        """, GameServerSet.class);

    assertThat(gss.getSpec().getReplicas()).isNull();
    assertThat(gss.getSpec().getUnmodelled()).containsEntry("replicas", Map.of("min", 1, "max", 3)).containsEntry("fromOkg", "x");
    Map<?, ?> written = Serialization.unmarshal(lenient.asJson(gss), Map.class);
    assertThat(((Map<?, ?>) written.get("spec")).get("replicas")).isEqualTo(Map.of("min", 1, "max", 3));
    assertThat(warnings()).singleElement().asString()
        .isEqualTo("GameServerSet n/sd: spec.replicas: expected a number, got an object; kept as it is, unread (logged once per kind and field)");
    assertThat(gss.getSpec().getReserveGameServerIds()).hasSize(2);
  }

  @Test
  void theDefaultOfAnAbsentFieldStaysWhenTheFieldIsNotThere() {
    AigcInstance instance = lenient.unmarshal("""
        {"apiVersion": "aigc.dev/v1alpha1", "kind": "AigcInstance", "metadata": {"name": "a"},
         "spec": {"template": "sd", "owner": "alice"}}
        """, AigcInstance.class);
    assertThat(instance.getSpec().getState()).isEqualTo(InstanceState.Running);
    assertThat(warnings()).isEmpty();
  }

  @Test
  void aValueThatFailsInAnyOtherWayLeavesItsFieldAbsentAndTheRestIsRead() {
    // IntOrString's constructor refuses an object: Jackson asks no handler, it throws
    AigcTemplate template = lenient.unmarshal("""
        {"apiVersion": "aigc.dev/v1alpha1", "kind": "AigcTemplate", "metadata": {"name": "sd", "namespace": "team-a"},
         "spec": {"app": {"readinessProbe": {"tcpSocket": {"port": {"name": "http"}, "host": "localhost"}, "periodSeconds": 5},
                          "image": "sd:1"}}}
        """, AigcTemplate.class);
    var probe = template.getSpec().getApp().getReadinessProbe();
    assertThat(probe.getTcpSocket().getPort()).isNull();
    assertThat(probe.getTcpSocket().getHost()).isEqualTo("localhost");
    assertThat(probe.getPeriodSeconds()).isEqualTo(5);
    assertThat(template.getSpec().getApp().getImage()).isEqualTo("sd:1");
    assertThat(warnings()).singleElement().asString()
        .startsWith("AigcTemplate team-a/sd: spec.app.readinessProbe.tcpSocket.port: cannot be read (")
        .endsWith("); read as absent (logged once per kind and field)");
  }

  private List<String> warnings() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
