package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A write with {@code dryRun=All} (kubectl diff, apply --dry-run=server): the object as the write
 * would leave it, and nothing stored. The store alone would have carried the write out.
 */
final class DryRun {
  private DryRun() {}

  /** @param current the stored object, or null when there is none */
  static MockResponse answer(ApiRequest request, JsonNode current) {
    try {
      JsonNode body = request.body().length == 0 ? null : Serialization.jsonMapper().readTree(request.body());
      return switch (request.method) {
        case "POST" -> created(request, body);
        case "PUT" -> current == null ? notFound(request) : KubeApiDispatcher.json(200, body);
        case "PATCH" -> current == null ? notFound(request) : KubeApiDispatcher.json(200, patched(request, current, body));
        case "DELETE" -> current == null ? notFound(request) : KubeApiDispatcher.json(200, current);
        default -> KubeApiDispatcher.status(405, "MethodNotAllowed", request.method + " cannot be dry-run");
      };
    } catch (IOException | RuntimeException e) {
      return KubeApiDispatcher.status(400, "BadRequest", e.getMessage());
    }
  }

  private static MockResponse created(ApiRequest request, JsonNode body) {
    ObjectNode object = (ObjectNode) body;
    ObjectNode metadata = object.get("metadata") instanceof ObjectNode m ? m : object.putObject("metadata");
    if (request.namespace != null) metadata.put("namespace", request.namespace);
    metadata.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return KubeApiDispatcher.json(201, object);
  }

  private static JsonNode patched(ApiRequest request, JsonNode current, JsonNode patch) {
    String type = String.valueOf(request.header("Content-Type"));
    if (type.startsWith("application/json-patch+json")) return JsonPatch.apply(patch, current);
    if (type.startsWith(CrudStore.STRATEGIC_MERGE_PATCH)) return StrategicMergePatch.apply(current, patch);
    if (type.startsWith(CrudStore.MERGE_PATCH)) return MergePatch.apply(current, patch);
    throw new IllegalArgumentException("the sandbox's API cannot dry-run a " + type + " patch");
  }

  private static MockResponse notFound(ApiRequest request) {
    return KubeApiDispatcher.status(404, "NotFound", request.plural + " \"" + request.name + "\" not found");
  }
}
