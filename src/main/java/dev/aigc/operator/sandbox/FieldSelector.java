package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A field selector ({@code involvedObject.name=x,involvedObject.kind!=Pod}) matched against the
 * object's JSON, as the API server does for the fields it indexes. The mock store understands only
 * {@code metadata.name}; {@code kubectl describe} finds an object's Events by {@code involvedObject.*}.
 */
record FieldSelector(List<Requirement> requirements) {
  record Requirement(String field, String value, boolean equal) {}

  static final FieldSelector EVERYTHING = new FieldSelector(List.of());

  static FieldSelector parse(String selector) {
    if (selector == null || selector.isBlank()) return EVERYTHING;
    List<Requirement> requirements = new ArrayList<>();
    for (String part : selector.split(",")) {
      if (part.isBlank()) continue;
      int ne = part.indexOf("!=");
      if (ne >= 0) {
        requirements.add(new Requirement(part.substring(0, ne).trim(), part.substring(ne + 2).trim(), false));
        continue;
      }
      int eq = part.indexOf("==");
      int len = 2;
      if (eq < 0) {
        eq = part.indexOf('=');
        len = 1;
      }
      if (eq < 0) throw new IllegalArgumentException("invalid field selector requirement " + part);
      requirements.add(new Requirement(part.substring(0, eq).trim(), part.substring(eq + len).trim(), true));
    }
    return new FieldSelector(List.copyOf(requirements));
  }

  boolean matches(JsonNode object) {
    for (Requirement r : requirements) {
      JsonNode node = object;
      for (String step : r.field().split("\\.")) node = node.path(step);
      String actual = node.isMissingNode() || node.isNull() ? "" : node.asText();
      if (actual.equals(r.value()) != r.equal()) return false;
    }
    return true;
  }

  boolean isEmpty() {
    return requirements.isEmpty();
  }
}
