package dev.aigc.operator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated CRD's schema, checked as the API server would at {@code kubectl apply}: the OpenAPI
 * rules (by a JSON-schema validator), unknown fields (strict field validation, kubectl's default),
 * and the CEL rules of {@code x-kubernetes-validations}, including transition rules on {@code oldSelf}.
 */
final class CrdSchema {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final CelCompiler CEL = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("self", SimpleType.DYN)
      .addVar("oldSelf", SimpleType.DYN)
      .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private final JsonNode openApi;
  private final JsonSchema schema;

  private CrdSchema(JsonNode openApi) {
    this.openApi = openApi;
    this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApi);
  }

  static CrdSchema load(String crdFile) throws IOException {
    Path dir = Path.of(System.getProperty("aigc.crds.generated", "target/crds"));
    JsonNode crd = YAML.readTree(dir.resolve(crdFile).toFile());
    return new CrdSchema(crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema"));
  }

  static JsonNode yaml(String text) throws IOException {
    return YAML.readTree(text);
  }

  /** Every reason the API server would refuse {@code object}; empty when it would accept it. */
  List<String> errors(JsonNode object) {
    return errors(object, null);
  }

  /** As {@link #errors(JsonNode)}, for an update from {@code old}. */
  List<String> errors(JsonNode object, JsonNode old) {
    List<String> errors = new ArrayList<>();
    for (ValidationMessage m : schema.validate(object)) errors.add(m.getMessage());
    walk(openApi, object, old, "", errors);
    return errors;
  }

  private void walk(JsonNode schemaNode, JsonNode value, JsonNode old, String path, List<String> errors) {
    if (value == null || value.isNull() || value.isMissingNode()) return;
    for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      boolean transition = expression.contains("oldSelf");
      if (transition && (old == null || old.isMissingNode() || old.isNull())) continue;
      if (!evaluate(expression, value, old)) {
        errors.add((path.isEmpty() ? "<root>" : path) + ": " + rule.path("message").asText(expression));
      }
    }
    if (value.isObject()) {
      JsonNode properties = schemaNode.path("properties");
      boolean open = schemaNode.has("additionalProperties") || schemaNode.path("x-kubernetes-preserve-unknown-fields").asBoolean()
          || !schemaNode.has("properties") || path.endsWith(".metadata") || path.equals(".metadata");
      var fields = value.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        String childPath = path + "." + field.getKey();
        JsonNode childOld = old == null ? null : old.get(field.getKey());
        if (properties.has(field.getKey())) {
          walk(properties.get(field.getKey()), field.getValue(), childOld, childPath, errors);
        } else if (schemaNode.path("additionalProperties").isObject()) {
          walk(schemaNode.path("additionalProperties"), field.getValue(), childOld, childPath, errors);
        } else if (!open && !(path.isEmpty() && List.of("apiVersion", "kind", "metadata").contains(field.getKey()))) {
          errors.add(childPath + ": unknown field \"" + field.getKey() + "\"");
        }
      }
    } else if (value.isArray() && schemaNode.has("items")) {
      for (int i = 0; i < value.size(); i++) walk(schemaNode.get("items"), value.get(i), null, path + "[" + i + "]", errors);
    }
  }

  private static boolean evaluate(String expression, JsonNode self, JsonNode old) {
    try {
      CelAbstractSyntaxTree ast = CEL.compile(expression).getAst();
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", toCel(self));
      if (old != null) vars.put("oldSelf", toCel(old));
      return Boolean.TRUE.equals(RUNTIME.createProgram(ast).eval(vars));
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule " + expression + " failed to run: " + e.getMessage(), e);
    }
  }

  /** JSON as CEL sees it: maps, lists, strings, int64, double, bool. */
  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(toCel(n)));
      return list;
    }
    if (node.isIntegralNumber()) return node.asLong();
    if (node.isNumber()) return node.asDouble();
    if (node.isBoolean()) return node.asBoolean();
    return node.asText();
  }
}
