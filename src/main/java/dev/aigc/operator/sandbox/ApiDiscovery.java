package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.sandbox.ApiResource.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * API discovery as kubectl reads it (/api, /apis, /api/v1, /apis/group, /apis/group/version): the
 * {@link BuiltinResources} plus every version the CRDs in the store serve, with their kinds,
 * scopes, verbs, short names, categories, status subresources and printer columns.
 */
final class ApiDiscovery {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final Supplier<List<JsonNode>> crds;
  private volatile List<ApiResource> cached;

  /** @param crds the CustomResourceDefinitions in the store, read again after {@link #invalidate()} */
  ApiDiscovery(Supplier<List<JsonNode>> crds) {
    this.crds = crds;
  }

  /** A CRD was written: read them again on the next question. */
  void invalidate() {
    cached = null;
  }

  List<ApiResource> resources() {
    List<ApiResource> result = cached;
    if (result == null) {
      Map<String, ApiResource> byPath = new LinkedHashMap<>();
      for (ApiResource r : BuiltinResources.ALL) byPath.put(r.groupVersion() + "/" + r.plural(), r);
      for (JsonNode crd : crds.get()) for (ApiResource r : fromCrd(crd)) byPath.put(r.groupVersion() + "/" + r.plural(), r);
      result = List.copyOf(byPath.values());
      cached = result;
    }
    return result;
  }

  Optional<ApiResource> find(String group, String version, String plural) {
    return resources().stream()
        .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
        .findFirst();
  }

  /** The discovery document for this GET, or null when the path is not discovery. */
  JsonNode answer(ApiRequest request) {
    String path = request.path.endsWith("/") && request.path.length() > 1
        ? request.path.substring(0, request.path.length() - 1) : request.path;
    if (path.equals("/api")) return apiVersions();
    if (path.equals("/apis")) return groupList();
    String[] parts = path.substring(1).split("/");
    if (parts.length == 2 && parts[0].equals("api")) return resourceList("", parts[1]);
    if (parts.length == 2 && parts[0].equals("apis")) return group(parts[1]);
    if (parts.length == 3 && parts[0].equals("apis")) return resourceList(parts[1], parts[2]);
    return null;
  }

  /** Whether the path is one discovery answers (possibly with a 404 for an unknown group). */
  static boolean isDiscoveryPath(ApiRequest request) {
    String path = request.path;
    return path.equals("/api") || path.equals("/apis") || path.equals("/api/")
        || path.equals("/apis/") || path.matches("/api/[^/]+/?") || path.matches("/apis/[^/]+(/[^/]+)?/?");
  }

  private ObjectNode apiVersions() {
    ObjectNode doc = JSON.objectNode();
    doc.put("kind", "APIVersions");
    doc.putArray("versions").add("v1");
    doc.putArray("serverAddressByClientCIDRs");
    return doc;
  }

  private ObjectNode groupList() {
    ObjectNode doc = JSON.objectNode();
    doc.put("kind", "APIGroupList");
    doc.put("apiVersion", "v1");
    ArrayNode groups = doc.putArray("groups");
    for (String group : groups()) if (!group.isEmpty()) groups.add(groupDoc(group));
    return doc;
  }

  private ObjectNode group(String name) {
    if (!groups().contains(name) || name.isEmpty()) return null;
    ObjectNode doc = groupDoc(name);
    doc.put("kind", "APIGroup");
    doc.put("apiVersion", "v1");
    return doc;
  }

  private ObjectNode groupDoc(String group) {
    ObjectNode doc = JSON.objectNode();
    doc.put("name", group);
    ArrayNode versions = doc.putArray("versions");
    List<String> names = versions(group);
    for (String v : names) versions.addObject().put("groupVersion", group + "/" + v).put("version", v);
    doc.putObject("preferredVersion").put("groupVersion", group + "/" + names.get(0)).put("version", names.get(0));
    return doc;
  }

  private ObjectNode resourceList(String group, String version) {
    List<ApiResource> served = resources().stream().filter(r -> r.group().equals(group) && r.version().equals(version)).toList();
    if (served.isEmpty()) return null;
    ObjectNode doc = JSON.objectNode();
    doc.put("kind", "APIResourceList");
    doc.put("apiVersion", "v1");
    doc.put("groupVersion", served.get(0).groupVersion());
    ArrayNode list = doc.putArray("resources");
    for (ApiResource r : served) {
      ObjectNode entry = list.addObject();
      entry.put("name", r.plural()).put("singularName", r.singular()).put("namespaced", r.namespaced()).put("kind", r.kind());
      strings(entry.putArray("verbs"), r.verbs());
      if (!r.shortNames().isEmpty()) strings(entry.putArray("shortNames"), r.shortNames());
      if (!r.categories().isEmpty()) strings(entry.putArray("categories"), r.categories());
      if (r.statusSubresource()) {
        ObjectNode status = list.addObject();
        status.put("name", r.plural() + "/status").put("singularName", "").put("namespaced", r.namespaced()).put("kind", r.kind());
        strings(status.putArray("verbs"), List.of("get", "patch", "update"));
      }
    }
    return doc;
  }

  private List<String> groups() {
    List<String> groups = new ArrayList<>();
    for (ApiResource r : resources()) if (!groups.contains(r.group())) groups.add(r.group());
    return groups;
  }

  private List<String> versions(String group) {
    List<String> versions = new ArrayList<>();
    for (ApiResource r : resources()) if (r.group().equals(group) && !versions.contains(r.version())) versions.add(r.version());
    return versions;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  /** Each served version of a CRD; a CRD's printer columns follow Name, or Name and Age without any. */
  static List<ApiResource> fromCrd(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    List<ApiResource> result = new ArrayList<>();
    for (JsonNode version : spec.path("versions")) {
      if (!version.path("served").asBoolean(true)) continue;
      List<Column> columns = new ArrayList<>();
      columns.add(Column.nameColumn());
      for (JsonNode c : version.path("additionalPrinterColumns")) {
        columns.add(new Column(c.path("name").asText(), c.path("type").asText("string"), c.path("format").asText(""),
            c.path("description").asText(""), c.path("priority").asInt(0), c.path("jsonPath").asText()));
      }
      if (columns.size() == 1) columns.add(Column.ageColumn());
      result.add(new ApiResource(spec.path("group").asText(), version.path("name").asText(), names.path("plural").asText(),
          names.path("singular").asText(names.path("kind").asText().toLowerCase()), names.path("kind").asText(),
          !"Cluster".equals(spec.path("scope").asText()), texts(names.path("shortNames")), texts(names.path("categories")),
          ApiResource.ALL_VERBS, List.copyOf(columns), version.path("subresources").has("status")));
    }
    return result;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return List.copyOf(out);
  }
}
