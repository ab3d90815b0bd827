package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.crud.KubernetesCrudDispatcherException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;

/**
 * fabric8's CRUD store with patches applied as the API server applies them: merge patches by RFC 7386
 * (the store alone appends list entries, so an instance's conditions grew with every status patch,
 * and keeps null keys), and strategic merge patches (which the store alone refuses with 415) turned
 * into the merge patch that has the same effect.
 */
class CrudStore extends KubernetesCrudDispatcher {
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";

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

  private static JsonNode parse(String json) throws KubernetesCrudDispatcherException {
    try {
      return Serialization.jsonMapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new KubernetesCrudDispatcherException(e.getMessage(), 400);
    }
  }
}
