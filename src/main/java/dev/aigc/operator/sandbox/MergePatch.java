package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386), as the API server applies {@code application/merge-patch+json}: objects
 * merge key by key, a null deletes its key, and anything else, lists included, replaces what was
 * there. (The mock store alone appends list entries and keeps nulls.)
 */
final class MergePatch {
  private MergePatch() {}

  static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) return patch.deepCopy();
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), apply(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }

  /** The merge patch that turns {@code from} into {@code to}. */
  static JsonNode diff(JsonNode from, JsonNode to) {
    if (!from.isObject() || !to.isObject()) return to.deepCopy();
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    for (Iterator<String> it = from.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!to.has(key)) patch.putNull(key);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = to.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode before = from.get(field.getKey());
      if (field.getValue().equals(before)) continue;
      patch.set(field.getKey(), before != null && before.isObject() && field.getValue().isObject()
          ? diff(before, field.getValue()) : field.getValue().deepCopy());
    }
    return patch;
  }
}
