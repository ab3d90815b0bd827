package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.sandbox.ApiResource.Column;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The server-side printing that {@code kubectl get} asks for (a meta.k8s.io/v1 Table): one row per
 * object with the kind's columns, each cell rendered as the API server renders a CRD's printer
 * columns (dates as ages, integers as numbers, a missing value as null, which kubectl shows as
 * {@code <none>}).
 */
final class TableView {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final Clock clock;

  TableView(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param includeObject the request's {@code includeObject}: None, Object, or Metadata (the default)
   */
  ObjectNode table(List<Column> columns, List<JsonNode> objects, String resourceVersion, String includeObject) {
    ObjectNode table = JSON.objectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode meta = table.putObject("metadata");
    if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column c : columns) {
      definitions.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
          .put("description", c.description()).put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    Instant now = clock.instant();
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) cells.add(cell(c, object, now));
      JsonNode embedded = embedded(object, includeObject);
      if (embedded != null) row.set("object", embedded);
    }
    return table;
  }

  private static JsonNode embedded(JsonNode object, String includeObject) {
    if ("None".equals(includeObject)) return null;
    if ("Object".equals(includeObject)) return object;
    ObjectNode partial = JSON.objectNode();
    partial.put("kind", "PartialObjectMetadata");
    partial.put("apiVersion", "meta.k8s.io/v1");
    partial.set("metadata", object.path("metadata").deepCopy());
    return partial;
  }

  private static JsonNode cell(Column column, JsonNode object, Instant now) {
    List<JsonNode> values;
    try {
      values = JsonPathLite.select(object, column.jsonPath());
    } catch (IllegalArgumentException e) {
      return JSON.nullNode();
    }
    if (values.isEmpty() || values.get(0).isNull()) return JSON.nullNode();
    JsonNode value = values.get(0);
    switch (column.type()) {
      case "date":
        try {
          return JSON.textNode(HumanDuration.of(Duration.between(Instant.parse(value.asText()), now)));
        } catch (DateTimeParseException e) {
          return JSON.nullNode();
        }
      case "integer":
        return value.canConvertToLong() || value.isTextual() && value.asText().matches("-?\\d+")
            ? JSON.numberNode(value.asLong()) : JSON.nullNode();
      case "number":
        return value.isNumber() ? JSON.numberNode(value.asDouble()) : JSON.nullNode();
      case "boolean":
        return value.isBoolean() ? value : JSON.nullNode();
      default:
        return JSON.textNode(JsonPathLite.text(value));
    }
  }
}
