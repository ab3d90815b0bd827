package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.sandbox.ApiResource.Column;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A watch's events as the API server sends them. A watch from a resourceVersion does not repeat the
 * objects that the list at that version returned (the store sends every stored object as ADDED
 * when a watch opens, so kubectl get -w printed each row twice); a field selector applies to the
 * events too, and so does the group (the store's core services include Knative's); and kubectl's
 * watches that ask for a Table get each object as a one-row Table.
 */
final class WatchEvents implements UnaryOperator<String> {
  private final String apiVersion;
  private final Long since;
  private final FieldSelector selector;
  private final TableView tables;
  private final List<Column> columns;
  private final String includeObject;

  /**
   * @param since the watch's resourceVersion, or null to send the objects that exist as ADDED
   * @param columns the Table's columns when the watch asked for a Table, else null
   */
  WatchEvents(String apiVersion, Long since, FieldSelector selector, TableView tables, List<Column> columns, String includeObject) {
    this.apiVersion = apiVersion;
    this.since = since;
    this.selector = selector;
    this.tables = tables;
    this.columns = columns;
    this.includeObject = includeObject;
  }


  @Override
  public String apply(String event) {
    JsonNode node;
    try {
      node = Serialization.jsonMapper().readTree(event);
    } catch (IOException e) {
      return event;
    }
    if (!(node instanceof ObjectNode watchEvent)) return event;
    JsonNode object = watchEvent.path("object");
    if (since != null && "ADDED".equals(watchEvent.path("type").asText())
        && object.path("metadata").path("resourceVersion").asLong(Long.MAX_VALUE) <= since) {
      return null;
    }
    if (!KubeApiDispatcher.ofVersion(object, apiVersion) || !selector.matches(object)) return null;
    if (columns == null) return event;
    String resourceVersion = object.path("metadata").path("resourceVersion").asText(null);
    watchEvent.set("object", tables.table(columns, List.of(object), resourceVersion, includeObject));
    return Serialization.asJson(watchEvent);
  }

  /** A watch's resourceVersion: null for none or "0" (both mean: start with what exists). */
  static Long since(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) return null;
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
