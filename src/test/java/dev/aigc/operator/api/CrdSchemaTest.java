package dev.aigc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated CRDs accept the examples and refuse broken resources at kubectl apply, naming why. */
class CrdSchemaTest {
  static CrdSchema templates;
  static CrdSchema instances;
  static CrdSchema quotas;

  @BeforeAll
  static void load() throws IOException {
    templates = CrdSchema.load("aigctemplates.aigc.dev-v1.yml");
    instances = CrdSchema.load("aigcinstances.aigc.dev-v1.yml");
    quotas = CrdSchema.load("aigcquotas.aigc.dev-v1.yml");
  }

  @Test
  void everyExampleIsAccepted() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        for (String doc : Files.readString(file).split("(?m)^---$")) {
          JsonNode node = CrdSchema.yaml(doc);
          if (node == null || node.isNull() || node.isMissingNode()) continue;
          String kind = node.path("kind").asText();
          CrdSchema schema = "AigcTemplate".equals(kind) ? templates : "AigcQuota".equals(kind) ? quotas : instances;
          assertThat(schema.errors(node)).as(file.toString()).isEmpty();
        }
      }
    }
  }

  @Test
  void quotaBoundsAreRefusedBelowZero() throws Exception {
    JsonNode quota = CrdSchema.yaml("""
        apiVersion: aigc.dev/v1alpha1
        kind: AigcQuota
        metadata: {name: q}
        spec: {gpus: -1, gpuMemoryGiBPerUser: 12}
        """);
    assertThat(quotas.errors(quota)).singleElement().asString().contains("gpus");
  }

  static final String TEMPLATE = """
      apiVersion: aigc.dev/v1alpha1
      kind: AigcTemplate
      metadata: {name: sd}
      spec:
        app: {image: sd:v1}
        dedicated:
          storage: {size: 50Gi, mountPath: /data}
          ingress: {host: "sd<id>.example.com"}
      """;

  static Stream<Arguments> brokenTemplates() {
    return Stream.of(
        Arguments.of("neither mode", "/spec", "{\"app\": {\"image\": \"sd:v1\"}}", "at least one of spec.dedicated and spec.shared"),
        Arguments.of("host without <id>", "/spec/dedicated/ingress/host", "\"sd.example.com\"", "pattern"),
        Arguments.of("host with <id> twice", "/spec/dedicated/ingress/host", "\"sd<id>.<id>.example.com\"", "pattern"),
        Arguments.of("bad disk size", "/spec/dedicated/storage/size", "\"50 gigs\"", "pattern"),
        Arguments.of("bad cpu", "/spec/compute", "{\"cpu\": \"two\"}", "pattern"),
        Arguments.of("no image", "/spec/app", "{\"port\": 7860}", "image"),
        Arguments.of("port out of range", "/spec/app/port", "70000", "maximum"),
        Arguments.of("unknown retention", "/spec/dedicated/dataRetention", "\"Keep\"", "enum"),
        Arguments.of("typo in a field name", "/spec/dedicated/storag", "{}", "unknown field \"storag\""),
        Arguments.of("annotation value with ': '", "/spec/dedicated/ingress/annotations", "{\"a\": \"b: c\"}", "must not contain ': '"),
        Arguments.of("concurrency over 1000", "/spec/shared", "{\"containerConcurrency\": 1001}", "maximum"),
        Arguments.of("minScale over maxScale", "/spec/shared", "{\"minScale\": 5, \"maxScale\": 2}", "minScale must not exceed"),
        Arguments.of("timeout over 600", "/spec/shared", "{\"timeoutSeconds\": 601}", "maximum"),
        Arguments.of("cookie timeout zero", "/spec/shared", "{\"sessionAffinity\": {\"cookieName\": \"sd\", \"timeoutSeconds\": 0}}", "minimum"),
        Arguments.of("name too long", "/metadata/name", "\"" + "x".repeat(53) + "\"", "at most 52 characters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenTemplates")
  void brokenTemplatesAreRefused(String why, String pointer, String json, String expected) throws IOException {
    ObjectNode template = (ObjectNode) CrdSchema.yaml(TEMPLATE);
    set(template, pointer, CrdSchema.yaml(json));
    List<String> errors = templates.errors(template);
    assertThat(errors).as(why).anyMatch(e -> e.contains(expected));
  }

  @Test
  void theValidTemplateIsAccepted() throws IOException {
    assertThat(templates.errors(CrdSchema.yaml(TEMPLATE))).isEmpty();
  }

  static final String INSTANCE = """
      apiVersion: aigc.dev/v1alpha1
      kind: AigcInstance
      metadata: {name: alice-sd}
      spec: {template: sd, owner: alice}
      """;

  @Test
  void instancesNeedATemplateAndAnOwnerAndKnownStates() throws IOException {
    assertThat(instances.errors(CrdSchema.yaml(INSTANCE))).isEmpty();
    ObjectNode noOwner = (ObjectNode) CrdSchema.yaml(INSTANCE);
    ((ObjectNode) noOwner.get("spec")).remove("owner");
    assertThat(instances.errors(noOwner)).anyMatch(e -> e.contains("owner"));
    ObjectNode paused = (ObjectNode) CrdSchema.yaml(INSTANCE);
    ((ObjectNode) paused.get("spec")).put("state", "Paused");
    assertThat(instances.errors(paused)).anyMatch(e -> e.contains("enum"));
  }

  @Test
  void templateAndOwnerOfAnInstanceAreImmutableButStateIsNot() throws IOException {
    JsonNode old = CrdSchema.yaml(INSTANCE);
    ObjectNode otherOwner = (ObjectNode) CrdSchema.yaml(INSTANCE);
    ((ObjectNode) otherOwner.get("spec")).put("owner", "mallory");
    assertThat(instances.errors(otherOwner, old)).anyMatch(e -> e.contains("spec.owner is immutable"));
    ObjectNode otherTemplate = (ObjectNode) CrdSchema.yaml(INSTANCE);
    ((ObjectNode) otherTemplate.get("spec")).put("template", "other");
    assertThat(instances.errors(otherTemplate, old)).anyMatch(e -> e.contains("spec.template is immutable"));
    ObjectNode stopped = (ObjectNode) CrdSchema.yaml(INSTANCE);
    ((ObjectNode) stopped.get("spec")).put("state", "Stopped");
    assertThat(instances.errors(stopped, old)).isEmpty();
  }

  private static void set(ObjectNode root, String pointer, JsonNode value) {
    int slash = pointer.lastIndexOf('/');
    ObjectNode parent = (ObjectNode) root.at(pointer.substring(0, slash));
    parent.set(pointer.substring(slash + 1), value);
  }
}
