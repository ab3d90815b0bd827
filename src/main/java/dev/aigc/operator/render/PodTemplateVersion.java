package dev.aigc.operator.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerTemplate;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which version of a template a pod runs. The pod template carries the template generation that
 * last changed it (a change that leaves the pod template alone, such as the display name, keeps
 * the older number, so it makes no instance outdated) and a fingerprint of its parts, so that an
 * outdated instance can be told what an update would change. OKG copies both onto each pod, which
 * keeps them through its life: that is how the operator knows what a running pod was made from.
 */
public final class PodTemplateVersion {
  /** On the pod template (so on each pod): the template generation that last changed it. */
  public static final String GENERATION = Labels.TEMPLATE_GENERATION;
  /** On the pod template: {@code part=hash,...} for the parts an admin changes. */
  public static final String PARTS = "aigc.dev/pod-template-parts";
  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private PodTemplateVersion() {}

  /** Stamps a freshly rendered pod template with {@code generation} (none offline) and its parts. */
  static void stamp(GameServerTemplate template, Long generation) {
    Map<String, String> annotations = annotations(template);
    annotations.remove(GENERATION);
    annotations.put(PARTS, parts(template));
    if (generation != null) annotations.put(GENERATION, generation.toString());
  }

  /**
   * Keeps the generation the current set's pod template carries when the newly rendered one is
   * otherwise the same, so that only a change to the pod template makes a new version.
   */
  static void carryForward(GameServerTemplate desired, GameServerSet current) {
    if (current == null || current.getSpec() == null || current.getSpec().getGameServerTemplate() == null) return;
    GameServerTemplate running = current.getSpec().getGameServerTemplate();
    String kept = running.getMetadata() == null || running.getMetadata().getAnnotations() == null
        ? null : running.getMetadata().getAnnotations().get(GENERATION);
    if (kept != null && withoutGeneration(desired).equals(withoutGeneration(running))) {
      annotations(desired).put(GENERATION, kept);
    }
  }

  /** The generation a pod template (or a pod's annotations) records, or null. */
  public static Long generationOf(Map<String, String> annotations) {
    String value = annotations == null ? null : annotations.get(GENERATION);
    if (value == null) return null;
    try {
      return Long.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The fingerprint the set's pod template carries, or null. */
  public static String partsOf(GameServerSet gss) {
    if (gss == null || gss.getSpec() == null || gss.getSpec().getGameServerTemplate() == null
        || gss.getSpec().getGameServerTemplate().getMetadata() == null
        || gss.getSpec().getGameServerTemplate().getMetadata().getAnnotations() == null) return null;
    return gss.getSpec().getGameServerTemplate().getMetadata().getAnnotations().get(PARTS);
  }

  /** The generation the set's pod template records, or null. */
  public static Long generationOf(GameServerSet gss) {
    if (gss == null || gss.getSpec() == null || gss.getSpec().getGameServerTemplate() == null
        || gss.getSpec().getGameServerTemplate().getMetadata() == null) return null;
    return generationOf(gss.getSpec().getGameServerTemplate().getMetadata().getAnnotations());
  }

  /**
   * What differs between a pod's version and the current one, by part name (image, resources,
   * command, settings, placement, other), from the two fingerprints; "all" when the pod has none
   * (it was made before the operator recorded versions).
   */
  public static List<String> changes(Map<String, String> podAnnotations, Map<String, String> currentAnnotations) {
    return changes(podAnnotations, currentAnnotations == null ? null : currentAnnotations.get(PARTS));
  }

  /** As above, with the current fingerprint as the set's pod template carries it. */
  public static List<String> changes(Map<String, String> podAnnotations, String currentParts) {
    Map<String, String> had = parse(podAnnotations == null ? null : podAnnotations.get(PARTS));
    Map<String, String> now = parse(currentParts);
    if (had.isEmpty() || now.isEmpty()) return List.of("all");
    List<String> changed = new ArrayList<>();
    for (var part : now.entrySet()) {
      if (!part.getValue().equals(had.get(part.getKey()))) changed.add(part.getKey());
    }
    return changed;
  }

  static String parts(GameServerTemplate template) {
    JsonNode pod = JSON.valueToTree(template);
    ObjectNode spec = pod.path("spec").isObject() ? ((ObjectNode) pod.path("spec")).deepCopy() : JSON.createObjectNode();
    ObjectNode image = JSON.createObjectNode();
    ObjectNode resources = JSON.createObjectNode();
    ObjectNode command = JSON.createObjectNode();
    ObjectNode settings = JSON.createObjectNode();
    int i = 0;
    for (JsonNode c : spec.path("containers")) {
      ObjectNode container = (ObjectNode) c;
      String key = String.valueOf(i++);
      // the container's name follows the image's (AppContainer), so it changes with it
      image.set(key, JSON.createArrayNode().add(container.remove("image")).add(container.remove("name")));
      resources.set(key, container.remove("resources"));
      ObjectNode run = JSON.createObjectNode();
      for (String field : List.of("command", "args", "env", "envFrom", "workingDir")) run.set(field, container.remove(field));
      command.set(key, run);
      settings.set(key, container.deepCopy());
    }
    spec.remove("containers");
    ObjectNode placement = JSON.createObjectNode();
    for (String field : List.of("nodeSelector", "tolerations", "affinity", "runtimeClassName", "schedulerName")) {
      placement.set(field, spec.remove(field));
    }
    ObjectNode meta = pod.path("metadata").isObject() ? ((ObjectNode) pod.path("metadata")).deepCopy() : JSON.createObjectNode();
    if (meta.path("annotations").isObject()) {
      ((ObjectNode) meta.path("annotations")).remove(List.of(GENERATION, PARTS));
    }
    placement.set("metadata", meta);
    ObjectNode other = JSON.createObjectNode();
    other.set("spec", spec);
    other.set("volumeClaimTemplates", pod.path("volumeClaimTemplates"));
    Map<String, JsonNode> parts = new LinkedHashMap<>();
    parts.put("image", image);
    parts.put("resources", resources);
    parts.put("command", command);
    parts.put("settings", settings);
    parts.put("placement", placement);
    parts.put("other", other);
    StringBuilder out = new StringBuilder();
    parts.forEach((name, value) -> out.append(out.length() == 0 ? "" : ",").append(name).append('=').append(hash(value)));
    return out.toString();
  }

  private static Map<String, String> parse(String parts) {
    Map<String, String> map = new LinkedHashMap<>();
    if (parts == null || parts.isBlank()) return map;
    for (String part : parts.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) map.put(part.substring(0, eq), part.substring(eq + 1));
    }
    return map;
  }

  private static JsonNode withoutGeneration(GameServerTemplate template) {
    ObjectNode tree = JSON.valueToTree(template);
    JsonNode annotations = tree.path("metadata").path("annotations");
    if (annotations.isObject()) ((ObjectNode) annotations).remove(GENERATION);
    return tree;
  }

  private static Map<String, String> annotations(GameServerTemplate template) {
    if (template.getMetadata() == null) template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    if (template.getMetadata().getAnnotations() == null) template.getMetadata().setAnnotations(new LinkedHashMap<>());
    return template.getMetadata().getAnnotations();
  }

  private static String hash(JsonNode value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(value));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
