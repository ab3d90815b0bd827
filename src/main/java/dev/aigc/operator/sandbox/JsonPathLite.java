package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of Kubernetes JSONPath that printer columns use: {@code .a.b}, {@code ['a.b']},
 * {@code [0]}, {@code [*]} and {@code [?(@.type=="Ready")]}.
 */
final class JsonPathLite {
  private JsonPathLite() {}

  /** Every value the path selects, in document order. */
  static List<JsonNode> select(JsonNode root, String path) {
    List<JsonNode> current = List.of(root);
    int i = 0;
    String p = path.trim();
    if (p.startsWith("{") && p.endsWith("}")) p = p.substring(1, p.length() - 1);
    if (p.startsWith("$")) i = 1;
    while (i < p.length() && !current.isEmpty()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') end++;
        String field = p.substring(i + 1, end);
        current = field.isEmpty() ? current : children(current, field);
        i = end;
      } else if (c == '[') {
        int end = closing(p, i);
        current = bracket(current, p.substring(i + 1, end).trim());
        i = end + 1;
      } else {
        throw new IllegalArgumentException("unsupported JSONPath " + path);
      }
    }
    return current;
  }

  private static int closing(String p, int open) {
    int depth = 0;
    boolean quoted = false;
    for (int i = open; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '"' || c == '\'') quoted = !quoted;
      if (quoted) continue;
      if (c == '[') depth++;
      if (c == ']' && --depth == 0) return i;
    }
    throw new IllegalArgumentException("unbalanced brackets in " + p);
  }

  private static List<JsonNode> children(List<JsonNode> nodes, String field) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (field.equals("*")) {
        node.elements().forEachRemaining(out::add);
      } else if (node.has(field)) {
        out.add(node.get(field));
      }
    }
    return out;
  }

  private static List<JsonNode> bracket(List<JsonNode> nodes, String inside) {
    if (inside.startsWith("?(") && inside.endsWith(")")) return filter(nodes, inside.substring(2, inside.length() - 1).trim());
    if (inside.startsWith("'") || inside.startsWith("\"")) return children(nodes, inside.substring(1, inside.length() - 1));
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (!node.isArray()) continue;
      if (inside.equals("*")) {
        node.elements().forEachRemaining(out::add);
      } else {
        int index = Integer.parseInt(inside);
        JsonNode element = node.get(index < 0 ? node.size() + index : index);
        if (element != null) out.add(element);
      }
    }
    return out;
  }

  /** {@code @.field=="value"} or {@code @.field!="value"} over the elements of arrays. */
  private static List<JsonNode> filter(List<JsonNode> nodes, String expression) {
    boolean negated = expression.contains("!=");
    String[] sides = expression.split(negated ? "!=" : "==", 2);
    if (sides.length != 2 || !sides[0].trim().startsWith("@")) throw new IllegalArgumentException("unsupported filter " + expression);
    String field = sides[0].trim().substring(1);
    String wanted = unquote(sides[1].trim());
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      Iterable<JsonNode> elements = node.isArray() ? node::elements : List.of(node)::iterator;
      for (JsonNode element : elements) {
        List<JsonNode> values = select(element, field);
        boolean equal = !values.isEmpty() && text(values.get(0)).equals(wanted);
        if (equal != negated) out.add(element);
      }
    }
    return out;
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && (s.startsWith("\"") || s.startsWith("'"))) return s.substring(1, s.length() - 1);
    return s;
  }

  /** A scalar as its text; anything else as JSON. */
  static String text(JsonNode node) {
    return node.isValueNode() ? node.asText() : node.toString();
  }
}
