package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * fabric8's CRUD store with patches applied as the API server applies them: merge patches by RFC 7386
 * (the store alone appends list entries, so an instance's conditions grew with every status patch,
 * and keeps null keys), and strategic merge patches (which the store alone refuses with 415) turned
 * into the merge patch that has the same effect. Deletions get a resourceVersion of their own and
 * are remembered, so that a watch from a resourceVersion also hears of those made before it opened
 * ({@link #deletedSince}).
 */
class CrudStore extends KubernetesCrudDispatcher {
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  /** As many deletions as a watch that opens a little late may have missed. */
  private static final int REMEMBERED_DELETIONS = 1000;

  private record Deletion(long resourceVersion, AttributeSet attributes, String object) {}

  private final Deque<Deletion> deletions = new ArrayDeque<>();

  @Override
  public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
      GenericKubernetesResource resource, String newState) {
    // called under the store's write lock; the DELETED event carries the deletion's resourceVersion
    String existing = newState == null && oldAttributes != null ? map.get(oldAttributes) : null;
    if (existing != null) {
      try {
        long version = requestResourceVersion();
        ObjectNode object = (ObjectNode) parse(existing);
        ((ObjectNode) object.withObject("/metadata")).put("resourceVersion", String.valueOf(version));
        String stamped = Serialization.asJson(object);
        map.put(oldAttributes, stamped);
        synchronized (deletions) {
          deletions.addLast(new Deletion(version, oldAttributes, stamped));
          if (deletions.size() > REMEMBERED_DELETIONS) deletions.removeFirst();
        }
      } catch (KubernetesCrudDispatcherException | ClassCastException e) {
        // not an object: deleted as it is, and not remembered
      }
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
  }

  /**
   * The DELETED watch events, as the store sends them, of the objects a watch on {@code watchPath}
   * sees that were deleted after {@code resourceVersion}: the API server replays them to a watch
   * that starts from that version (kubectl delete waits so: a list, then a watch from its version).
   */
  List<String> deletedSince(String watchPath, long resourceVersion) {
    AttributeSet query = getKey(watchPath);
    synchronized (deletions) {
      return deletions.stream()
          .filter(d -> d.resourceVersion() > resourceVersion && d.attributes().matches(query))
          .map(d -> {
            ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", "DELETED");
            event.set("object", readUnchecked(d.object()));
            return Serialization.asJson(event);
          })
          .toList();
    }
  }

  @Override
  public void reset() {
    super.reset();
    synchronized (deletions) {
      deletions.clear();
    }
  }

  @Override
  public JsonNode merge(JsonNode current, String patch) throws KubernetesCrudDispatcherException {
    return MergePatch.apply(current, parse(patch));
  }

  @Override
  public MockResponse handlePatch(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    if (type == null || !type.startsWith(STRATEGIC_MERGE_PATCH)) return super.handlePatch(request);
    ApiRequest api = ApiRequest.of(request);
    MockResponse current = handleGet(api.path);
    if (current.code() != 200) return current;
    try {
      JsonNode before = parse(current.getBody().readUtf8());
      JsonNode after = StrategicMergePatch.apply(before, parse(new String(api.body(), StandardCharsets.UTF_8)));
      byte[] patch = Serialization.asJson(MergePatch.diff(before, after)).getBytes(StandardCharsets.UTF_8);
      return super.handlePatch(api.withBody(MERGE_PATCH, patch));
    } catch (KubernetesCrudDispatcherException e) {
      return new MockResponse().setResponseCode(e.getCode()).setBody(e.toStatusBody());
    }
  }

  private static JsonNode readUnchecked(String json) {
    try {
      return parse(json);
    } catch (KubernetesCrudDispatcherException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(String json) throws KubernetesCrudDispatcherException {
    try {
      return Serialization.jsonMapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new KubernetesCrudDispatcherException(e.getMessage(), 400);
    }
  }
}
