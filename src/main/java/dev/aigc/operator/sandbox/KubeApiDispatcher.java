package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.sandbox.ApiResource.Column;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;

/**
 * The sandbox's Kubernetes API: fabric8's CRUD store ({@link CrudStore}) with what a real API server
 * also answers and kubectl needs: /version, discovery ({@link ApiDiscovery}), an empty OpenAPI
 * document, access reviews ({@link AccessReviews}), field selectors, Tables for kubectl get
 * ({@link TableView}), lists of their kind and group, watches from a resourceVersion
 * ({@link WatchEvents}), dry runs ({@link DryRun}) and Status bodies for errors. Responses injected with {@code server().expect()} come first, as
 * with fabric8's mixed dispatcher, so that tests can still inject failures.
 */
public class KubeApiDispatcher extends Dispatcher implements Resetable, CustomResourceAware {
  /** The Kubernetes version whose API this imitates, for /version and kubectl's version skew check. */
  static final String MAJOR = "1";
  static final String MINOR = "32";
  private static final String JSON_TYPE = "application/json";
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Map<ServerRequest, Queue<ServerResponse>> responses;
  private final MockDispatcher expectations;
  private final CrudStore store = new CrudStore();
  private final ApiDiscovery discovery = new ApiDiscovery(this::storedCrds);
  private final TableView tables = new TableView(Clock.systemUTC());

  public KubeApiDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    this.responses = responses;
    this.expectations = new MockDispatcher(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    ApiRequest api = ApiRequest.of(request);
    if (api.isGet()) {
      if (api.path.equals("/version")) return json(200, version());
      if (ApiDiscovery.isDiscoveryPath(api)) {
        JsonNode document = discovery.answer(api);
        return document != null ? json(200, document) : status(404, "NotFound", "the server could not find the requested resource");
      }
      if (api.path.equals("/openapi/v2")) return openApiV2();
      // kubectl falls back to v2 when v3 is missing
      if (api.path.startsWith("/openapi/")) return status(404, "NotFound", "the server could not find the requested resource");
    }
    Queue<ServerResponse> injected = responses.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (injected != null && !injected.isEmpty()) return expectations.dispatch(request);
    JsonNode review = AccessReviews.answer(api);
    if (review != null) return json(201, review);
    if (!api.isResource()) return store.dispatch(request);
    // the store would carry out what was only to be tried (kubectl diff), or delete more than selected
    if (!api.isGet() && api.param("dryRun") != null) return DryRun.answer(api, stored(api));
    if ("DELETE".equals(api.method) && api.name == null && api.param("fieldSelector") != null) {
      return status(400, "BadRequest", "the sandbox's API deletes collections by label only");
    }
    MockResponse response;
    try {
      response = switch (api.method) {
        case "GET" -> get(api);
        // a collection delete selects by label; the store misreads every other parameter
        case "DELETE" -> store.dispatch(api.keeping("labelSelector"));
        default -> store.dispatch(api.keeping());
      };
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage());
    }
    if (!api.isGet() && "customresourcedefinitions".equals(api.plural)) discovery.invalidate();
    return withStatusBody(api, response);
  }

  private MockResponse get(ApiRequest api) {
    FieldSelector selector = FieldSelector.parse(api.param("fieldSelector"));
    RecordedRequest forStore = api.keeping("labelSelector", "watch");
    MockResponse response = store.dispatch(forStore);
    Optional<ApiResource> type = discovery.find(api.group, api.version, api.plural);
    List<Column> columns = type.map(ApiResource::columns).filter(c -> !c.isEmpty()).orElse(ApiResource.nameAndAge());
    String apiVersion = api.group.isEmpty() ? api.version : api.group + "/" + api.version;
    if (response.getWebSocketListener() != null) {
      Long since = WatchEvents.since(api.param("resourceVersion"));
      WatchEvents events = new WatchEvents(apiVersion, since, selector, tables,
          api.wantsTable() ? columns : null, api.param("includeObject"));
      return new MockResponse().withWebSocketUpgrade(new WatchFilter(response.getWebSocketListener(), events,
          () -> since == null ? List.of() : store.deletedSince(forStore.getPath(), since)));
    }
    if (response.code() != 200 || response.getBody() == null || api.subresource != null) return response;
    JsonNode body = read(response.getBody().readUtf8());
    boolean list = api.name == null && body.has("items");
    if (!list && !ofVersion(body, apiVersion)) return withStatusBody(api, new MockResponse().setResponseCode(404));
    if (list) body = asListOf(type, selected((ObjectNode) body, apiVersion, selector));
    if (api.wantsTable()) {
      List<JsonNode> objects = new ArrayList<>();
      if (list) body.path("items").forEach(objects::add);
      else objects.add(body);
      String resourceVersion = list ? body.path("metadata").path("resourceVersion").asText(null) : null;
      return json(200, tables.table(columns, objects, resourceVersion, api.param("includeObject")));
    }
    return json(200, body);
  }

  /**
   * The items of the path's group version that the field selector selects, by namespace and name as
   * the API server lists them (the store lists by last write, and a core path such as
   * /api/v1/.../services also matches Knative's serving.knative.dev/v1 services there).
   */
  private static ObjectNode selected(ObjectNode list, String apiVersion, FieldSelector selector) {
    List<JsonNode> kept = new ArrayList<>();
    list.path("items").forEach(item -> { if (ofVersion(item, apiVersion) && selector.matches(item)) kept.add(item); });
    kept.sort(Comparator.comparing((JsonNode item) -> item.path("metadata").path("namespace").asText())
        .thenComparing(item -> item.path("metadata").path("name").asText()));
    ArrayNode items = list.putArray("items");
    kept.forEach(items::add);
    return list;
  }

  static boolean ofVersion(JsonNode object, String apiVersion) {
    JsonNode stored = object.get("apiVersion");
    return stored == null || stored.asText().equals(apiVersion);
  }

  /** The store calls every list "v1 List"; typed clients (kubectl describe's Events) need e.g. "v1 EventList". */
  private static JsonNode asListOf(Optional<ApiResource> type, ObjectNode list) {
    type.ifPresent(t -> {
      list.put("kind", t.kind() + "List");
      list.put("apiVersion", t.groupVersion());
    });
    return list;
  }

  private MockResponse withStatusBody(ApiRequest api, MockResponse response) {
    if (response.getWebSocketListener() != null) return response;
    boolean empty = response.getBody() == null || response.getBody().size() == 0;
    if (response.code() == 404 && empty) {
      String resource = api.group == null || api.group.isEmpty() ? api.plural : api.plural + "." + api.group;
      ObjectNode status = statusNode(404, "NotFound", api.name == null
          ? "the server could not find the requested resource" : resource + " \"" + api.name + "\" not found");
      if (api.name != null) status.putObject("details").put("name", api.name).put("group", api.group).put("kind", api.plural);
      return json(404, status);
    }
    if (!empty && response.getHeaders().get("Content-Type") == null) response.setHeader("Content-Type", JSON_TYPE);
    return response;
  }

  /** The object the request names, as stored, or null. */
  private JsonNode stored(ApiRequest api) {
    if (api.name == null) return null;
    String path = api.path.endsWith("/" + api.subresource) && api.subresource != null
        ? api.path.substring(0, api.path.length() - api.subresource.length() - 1) : api.path;
    MockResponse response = store.handleGet(path);
    if (response.code() != 200 || response.getBody() == null) return null;
    JsonNode object = read(response.getBody().readUtf8());
    return object.has("items") ? null : object;
  }

  private List<JsonNode> storedCrds() {
    MockResponse response = store.handleGet("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
    List<JsonNode> crds = new ArrayList<>();
    if (response.getBody() != null) read(response.getBody().readUtf8()).path("items").forEach(crds::add);
    return crds;
  }

  /**
   * An OpenAPI v2 document with no definitions: an empty protobuf message. kubectl apply validates
   * against OpenAPI unless told not to, and refuses to apply at all when the download fails; an
   * empty document is what a server that publishes no schemas would send, and kubectl then applies
   * without client-side validation (the sandbox validates nothing either).
   */
  private static MockResponse openApiV2() {
    return new MockResponse().setResponseCode(200)
        .setHeader("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf").setBody(new byte[0]);
  }

  private static ObjectNode version() {
    ObjectNode version = JSON.objectNode();
    version.put("major", MAJOR).put("minor", MINOR).put("gitVersion", "v" + MAJOR + "." + MINOR + ".0+aigc-sandbox")
        .put("gitCommit", "").put("gitTreeState", "").put("buildDate", "").put("goVersion", "")
        .put("compiler", "").put("platform", "");
    return version;
  }

  static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON_TYPE).setBody(Serialization.asJson(body));
  }

  static MockResponse status(int code, String reason, String message) {
    return json(code, statusNode(code, reason, message));
  }

  private static ObjectNode statusNode(int code, String reason, String message) {
    ObjectNode status = JSON.objectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    return status;
  }

  private static JsonNode read(String json) {
    try {
      return Serialization.jsonMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("the store answered with JSON it cannot read", e);
    }
  }

  @Override
  public void reset() {
    store.reset();
    discovery.invalidate();
  }

  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    store.expectCustomResource(context);
  }

  @Override
  public void shutdown() {
    expectations.shutdown();
    store.shutdown();
  }
}
