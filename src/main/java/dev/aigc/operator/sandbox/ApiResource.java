package dev.aigc.operator.sandbox;

import java.util.List;

/**
 * One kind the sandbox's API serves, as discovery lists it and as a Table shows it.
 *
 * @param columns the Table's columns, Name included where the kind has one
 */
record ApiResource(String group, String version, String plural, String singular, String kind, boolean namespaced,
    List<String> shortNames, List<String> categories, List<String> verbs, List<Column> columns, boolean statusSubresource) {

  static final List<String> ALL_VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** A Table column: its value is the first result of a JSONPath, rendered by type as the API server does. */
  record Column(String name, String type, String format, String description, int priority, String jsonPath) {
    static Column nameColumn() {
      return new Column("Name", "string", "name",
          "Name must be unique within a namespace. Cannot be updated.", 0, ".metadata.name");
    }

    static Column ageColumn() {
      return new Column("Age", "date", "",
          "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
          ".metadata.creationTimestamp");
    }

    static Column of(String name, String type, String jsonPath) {
      return new Column(name, type, "", "", 0, jsonPath);
    }
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** What a resource shows when nothing more is known of it. */
  static List<Column> nameAndAge() {
    return List.of(Column.nameColumn(), Column.ageColumn());
  }
}
