package dev.aigc.operator.render;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether an object the operator owns still says what we render, and how to write our fields over
 * it without losing what others (webhooks, controllers) added.
 */
public final class ObjectDrift {
  private ObjectDrift() {}

  /** Our labels, annotations and owner references are all on {@code current}. */
  public static boolean metadataPresent(HasMetadata desired, HasMetadata current) {
    ObjectMeta want = desired.getMetadata();
    ObjectMeta have = current.getMetadata();
    return orEmpty(have.getLabels()).entrySet().containsAll(orEmpty(want.getLabels()).entrySet())
        && orEmpty(have.getAnnotations()).entrySet().containsAll(orEmpty(want.getAnnotations()).entrySet())
        && ownerReferencesPresent(want, have);
  }

  /** {@code current}'s metadata with our labels, annotations and owner references added. */
  public static void mergeMetadata(HasMetadata desired, HasMetadata merged) {
    ObjectMeta meta = merged.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(orEmpty(meta.getLabels()));
    labels.putAll(orEmpty(desired.getMetadata().getLabels()));
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>(orEmpty(meta.getAnnotations()));
    annotations.putAll(orEmpty(desired.getMetadata().getAnnotations()));
    meta.setAnnotations(annotations);
    if (!ownerReferencesPresent(desired.getMetadata(), meta)) {
      List<OwnerReference> refs = new ArrayList<>(meta.getOwnerReferences() == null ? List.of() : meta.getOwnerReferences());
      refs.addAll(desired.getMetadata().getOwnerReferences());
      meta.setOwnerReferences(refs);
    }
  }

  /** Every field of {@code want} is in {@code have} with the same value (arrays element by element). */
  public static boolean isSubset(JsonNode want, JsonNode have) {
    if (want == null || want.isNull()) return true;
    if (have == null || have.isNull()) return false;
    if (want.isObject()) {
      if (!have.isObject()) return false;
      var fields = want.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        if (!isSubset(field.getValue(), have.get(field.getKey()))) return false;
      }
      return true;
    }
    if (want.isArray()) {
      if (!have.isArray() || want.size() != have.size()) return false;
      for (int i = 0; i < want.size(); i++) if (!isSubset(want.get(i), have.get(i))) return false;
      return true;
    }
    return want.asText().equals(have.asText());
  }

  private static boolean ownerReferencesPresent(ObjectMeta want, ObjectMeta have) {
    List<OwnerReference> wanted = want.getOwnerReferences();
    if (wanted == null || wanted.isEmpty()) return true;
    List<OwnerReference> present = have.getOwnerReferences();
    if (present == null) return false;
    return wanted.stream().allMatch(ref -> present.stream().anyMatch(h -> Objects.equals(h.getUid(), ref.getUid())));
  }

  static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }
}
