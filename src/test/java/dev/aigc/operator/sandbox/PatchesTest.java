package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Merge patches as RFC 7386 defines them, and strategic merge patches as kubectl sends them. */
class PatchesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aMergePatchReplacesListsAndDeletesWhatItSetsToNull() throws Exception {
    // RFC 7386, appendix A, and the case that grew an instance's conditions
    assertThat(merge("{\"a\":\"b\"}", "{\"a\":\"c\"}")).isEqualTo(json("{\"a\":\"c\"}"));
    assertThat(merge("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}")).isEqualTo(json("{\"b\":\"c\"}"));
    assertThat(merge("{\"a\":[\"b\"]}", "{\"a\":\"c\"}")).isEqualTo(json("{\"a\":\"c\"}"));
    assertThat(merge("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}")).isEqualTo(json("{\"a\":{\"b\":\"d\"}}"));
    assertThat(merge("{\"e\":null}", "{\"a\":1}")).isEqualTo(json("{\"e\":null,\"a\":1}"));
    assertThat(merge("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}",
        "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"))
        .isEqualTo(json("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"));
  }

  @Test
  void theMergePatchBetweenTwoDocumentsTurnsOneIntoTheOther() throws Exception {
    JsonNode from = json("{\"a\":1,\"b\":{\"c\":[1,2],\"d\":true},\"e\":\"x\"}");
    JsonNode to = json("{\"a\":1,\"b\":{\"c\":[2]},\"f\":\"y\"}");
    assertThat(MergePatch.diff(from, to)).isEqualTo(json("{\"b\":{\"c\":[2],\"d\":null},\"e\":null,\"f\":\"y\"}"));
    assertThat(MergePatch.apply(from, MergePatch.diff(from, to))).isEqualTo(to);
  }

  @Test
  void aStrategicMergePatchMergesNamedListEntriesOnTheirKey() throws Exception {
    JsonNode pod = json("""
        {"metadata": {"finalizers": ["a"], "labels": {"x": "1"}},
         "spec": {"containers": [
           {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
           {"name": "sidecar", "image": "side:1"}],
          "tolerations": [{"key": "gpu"}]}}""");
    JsonNode patch = json("""
        {"metadata": {"finalizers": ["b", "a"], "labels": {"x": null}},
         "spec": {"$setElementOrder/containers": [{"name": "app"}, {"name": "sidecar"}],
          "containers": [
           {"name": "app", "image": "app:2", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]},
           {"name": "sidecar", "$patch": "delete"}],
          "tolerations": [{"key": "eci"}]}}""");
    assertThat(StrategicMergePatch.apply(pod, patch)).isEqualTo(json("""
        {"metadata": {"finalizers": ["a", "b"], "labels": {}},
         "spec": {"containers": [
           {"name": "app", "image": "app:2", "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]}],
          "tolerations": [{"key": "eci"}]}}"""));
  }

  @Test
  void servicePortsMergeOnPortAndDirectivesAreApplied() throws Exception {
    JsonNode service = json("""
        {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}],
          "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "finalizers": ["a", "b"]}}""");
    JsonNode patch = json("""
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}],
          "strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "$deleteFromPrimitiveList/finalizers": ["a"]}}""");
    assertThat(StrategicMergePatch.apply(service, patch)).isEqualTo(json("""
        {"spec": {"ports": [{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443, "name": "https"}],
          "strategy": {"type": "Recreate"}, "finalizers": ["b"]}}"""));
  }

  private static JsonNode merge(String target, String patch) throws Exception {
    return MergePatch.apply(json(target), json(patch));
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }
}
