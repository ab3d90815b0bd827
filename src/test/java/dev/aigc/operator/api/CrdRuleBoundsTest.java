package dev.aigc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The API server estimates each CEL rule's cost from the schema's bounds and refuses the whole CRD
 * when a rule over an unbounded string, list or map could exceed the budget (DESIGN section 4). The
 * cel-java tests cannot see cost; this walks the generated CRDs and fails on an unbounded value that
 * a rule touches.
 */
class CrdRuleBoundsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** {@code self} itself (iterated, indexed, sized, compared) or {@code self.field}, outside {@code has(...)}. */
  private static final Pattern FIELD = Pattern.compile("(?<!has\\()self\\.([A-Za-z0-9_]+)");

  @Test
  void everyValueARuleTouchesIsBounded() throws IOException {
    List<String> unbounded = new ArrayList<>();
    int rules = 0;
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (Path file : files.sorted().toList()) {
        for (JsonNode version : YAML.readTree(file.toFile()).path("spec").path("versions")) {
          rules += walk(file.getFileName() + ":", version.path("schema").path("openAPIV3Schema"), unbounded);
        }
      }
    }
    assertThat(rules).as("rules found").isGreaterThanOrEqualTo(5);
    assertThat(unbounded).as("values under a CEL rule without maxLength/maxItems/maxProperties").isEmpty();
  }

  @Test
  void anUnboundedMapUnderARuleIsCaught() {
    JsonNode schema = YAML.valueToTree(java.util.Map.of(
        "type", "object",
        "additionalProperties", java.util.Map.of("type", "string"),
        "x-kubernetes-validations", List.of(java.util.Map.of("rule", "self.all(k, !self[k].contains(': '))"))));
    List<String> unbounded = new ArrayList<>();
    walk("test:", schema, unbounded);
    assertThat(unbounded).containsExactlyInAnyOrder("test: (map without maxProperties)", "test:[value] (string without maxLength)");
  }

  private static int walk(String path, JsonNode node, List<String> unbounded) {
    int rules = 0;
    for (JsonNode validation : node.path("x-kubernetes-validations")) {
      rules++;
      String rule = validation.path("rule").asText();
      String withoutHas = rule.replaceAll("has\\([^)]*\\)", "");
      if (withoutHas.matches(".*\\bself\\b(?!\\.).*")) checkBounded(path, node, unbounded);
      Matcher m = FIELD.matcher(withoutHas);
      while (m.find()) {
        JsonNode field = node.path("properties").path(m.group(1));
        // metadata's bounds are the API server's own
        if (!field.isMissingNode()) checkBounded(path + "." + m.group(1), field, unbounded);
      }
    }
    var names = node.path("properties").fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      rules += walk(path + "." + name, node.path("properties").path(name), unbounded);
    }
    if (node.has("items")) rules += walk(path + "[]", node.path("items"), unbounded);
    if (node.path("additionalProperties").isObject()) rules += walk(path + "[value]", node.path("additionalProperties"), unbounded);
    return rules;
  }

  /** The node and what it directly holds (list items, map values) have bounds. */
  private static void checkBounded(String path, JsonNode node, List<String> unbounded) {
    String type = node.path("type").asText();
    if (type.equals("string") && !node.has("maxLength") && !node.has("enum")) unbounded.add(path + " (string without maxLength)");
    if (type.equals("array")) {
      if (!node.has("maxItems")) unbounded.add(path + " (list without maxItems)");
      checkBounded(path + "[]", node.path("items"), unbounded);
    }
    if (type.equals("object") && node.path("additionalProperties").isObject()) {
      if (!node.has("maxProperties")) unbounded.add(path + " (map without maxProperties)");
      checkBounded(path + "[value]", node.path("additionalProperties"), unbounded);
    }
  }
}
