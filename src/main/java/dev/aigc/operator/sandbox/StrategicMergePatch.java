package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch, as {@code kubectl apply}, {@code patch} and {@code edit} send it for built-in
 * kinds: a merge patch whose lists of named things (containers, env, volumes, ports, ...) merge entry
 * by entry on their merge key, with the directives {@code $patch}, {@code $retainKeys},
 * {@code $deleteFromPrimitiveList/} and {@code $setElementOrder/}. The merge keys are Kubernetes'
 * own for the fields the sandbox's kinds use; other lists are replaced, as Kubernetes does for lists
 * without a merge key.
 */
final class StrategicMergePatch {
  private StrategicMergePatch() {}

  private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
      Map.entry("containers", "name"), Map.entry("initContainers", "name"), Map.entry("ephemeralContainers", "name"),
      Map.entry("volumes", "name"), Map.entry("env", "name"), Map.entry("imagePullSecrets", "name"),
      Map.entry("volumeMounts", "mountPath"), Map.entry("volumeDevices", "devicePath"), Map.entry("hostAliases", "ip"),
      Map.entry("conditions", "type"), Map.entry("ownerReferences", "uid"), Map.entry("readinessGates", "conditionType"),
      Map.entry("topologySpreadConstraints", "topologyKey"), Map.entry("resourceClaims", "name"));
  /** Lists of strings that merge as sets. */
  private static final Set<String> MERGED_PRIMITIVES = Set.of("finalizers");

  static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) return patch.deepCopy();
    String directive = patch.path("$patch").asText("");
    if (directive.equals("delete")) return null;
    ObjectNode result = target != null && target.isObject() && !directive.equals("replace")
        ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (key.equals("$patch") || key.equals("$retainKeys") || key.startsWith("$setElementOrder/")) continue;
      if (key.startsWith("$deleteFromPrimitiveList/")) {
        String list = key.substring("$deleteFromPrimitiveList/".length());
        if (result.get(list) instanceof ArrayNode items) removeValues(items, value);
        continue;
      }
      if (value.isNull()) {
        result.remove(key);
      } else if (value.isArray()) {
        result.set(key, mergeList(key, result.get(key), (ArrayNode) value));
      } else {
        JsonNode merged = apply(result.get(key), value);
        if (merged == null) result.remove(key);
        else result.set(key, merged);
      }
    }
    if (patch.get("$retainKeys") instanceof ArrayNode retain) {
      Set<String> keep = new HashSet<>();
      retain.forEach(k -> keep.add(k.asText()));
      List<String> drop = new ArrayList<>();
      result.fieldNames().forEachRemaining(k -> { if (!keep.contains(k)) drop.add(k); });
      drop.forEach(result::remove);
    }
    return result;
  }

  private static JsonNode mergeList(String field, JsonNode current, ArrayNode patch) {
    ArrayNode result = JsonNodeFactory.instance.arrayNode();
    if (MERGED_PRIMITIVES.contains(field)) {
      if (current instanceof ArrayNode items) result.addAll(items);
      for (JsonNode v : patch) if (!contains(result, v)) result.add(v);
      return result;
    }
    String key = mergeKey(field, current, patch);
    if (key == null || !(current instanceof ArrayNode items)) {
      for (JsonNode v : patch) if (!"delete".equals(v.path("$patch").asText())) result.add(strip(v));
      return result;
    }
    if (patch.size() == 1 && "replace".equals(patch.get(0).path("$patch").asText())) return result;
    List<JsonNode> merged = new ArrayList<>();
    items.forEach(merged::add);
    for (JsonNode entry : patch) {
      JsonNode id = entry.get(key);
      int at = indexOf(merged, key, id);
      if ("delete".equals(entry.path("$patch").asText())) {
        if (at >= 0) merged.remove(at);
      } else if (at >= 0) {
        merged.set(at, apply(merged.get(at), entry));
      } else {
        merged.add(apply(null, entry));
      }
    }
    merged.forEach(result::add);
    return result;
  }

  /** Container ports merge on containerPort, a Service's ports on port. */
  private static String mergeKey(String field, JsonNode current, ArrayNode patch) {
    if (field.equals("ports")) {
      JsonNode sample = patch.size() > 0 ? patch.get(0) : current != null && current.size() > 0 ? current.get(0) : null;
      return sample != null && sample.has("containerPort") ? "containerPort" : "port";
    }
    return MERGE_KEYS.get(field);
  }

  private static JsonNode strip(JsonNode v) {
    return v.isObject() ? apply(null, v) : v;
  }

  private static int indexOf(List<JsonNode> items, String key, JsonNode id) {
    for (int i = 0; i < items.size(); i++) if (id != null && id.equals(items.get(i).get(key))) return i;
    return -1;
  }

  private static boolean contains(ArrayNode items, JsonNode v) {
    for (JsonNode item : items) if (item.equals(v)) return true;
    return false;
  }

  private static void removeValues(ArrayNode items, JsonNode values) {
    for (int i = items.size() - 1; i >= 0; i--) if (values.isArray() && contains((ArrayNode) values, items.get(i))) items.remove(i);
  }
}
