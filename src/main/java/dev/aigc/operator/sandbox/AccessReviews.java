package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;

/**
 * The sandbox's API answers access reviews as a cluster would for its admin: everything is allowed.
 * JOSDK asks with a SelfSubjectRulesReview before it takes part in leader election, and kubectl auth
 * can-i with a SelfSubjectAccessReview; the store alone refused both (422, they have no name).
 */
final class AccessReviews {
  private AccessReviews() {}

  /** The review with its answer, or null when the request is not a review this class answers. */
  static JsonNode answer(ApiRequest request) {
    if (!"POST".equals(request.method) || !"authorization.k8s.io".equals(request.group) || request.name != null) return null;
    ObjectNode review = read(request.body());
    ObjectNode status = JsonNodeFactory.instance.objectNode();
    switch (request.plural) {
      case "selfsubjectrulesreviews" -> {
        status.putArray("resourceRules").addObject()
            .<ObjectNode>set("verbs", array("*")).<ObjectNode>set("apiGroups", array("*")).set("resources", array("*"));
        status.putArray("nonResourceRules").addObject()
            .<ObjectNode>set("verbs", array("*")).set("nonResourceURLs", array("*"));
        status.put("incomplete", false);
      }
      case "selfsubjectaccessreviews", "subjectaccessreviews", "localsubjectaccessreviews" ->
          status.put("allowed", true).put("reason", "the sandbox allows everything");
      default -> {
        return null;
      }
    }
    review.set("status", status);
    return review;
  }

  private static JsonNode array(String value) {
    return JsonNodeFactory.instance.arrayNode().add(value);
  }

  private static ObjectNode read(byte[] body) {
    try {
      JsonNode node = Serialization.jsonMapper().readTree(body);
      return node instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    } catch (IOException e) {
      return JsonNodeFactory.instance.objectNode();
    }
  }
}
