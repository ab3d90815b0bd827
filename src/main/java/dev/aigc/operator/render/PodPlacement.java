package dev.aigc.operator.render;

import dev.aigc.operator.api.ComputeSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where the compute profile puts a pod: ECI label and specs, node selector, tolerations. */
public record PodPlacement(
    Map<String, String> labels, Map<String, String> annotations, Map<String, String> nodeSelector,
    List<Toleration> tolerations) {
  public static final String ECI_LABEL = "alibabacloud.com/eci";
  public static final String ECI_SPECS_ANNOTATION = "k8s.aliyun.com/eci-use-specs";

  public static PodPlacement of(ComputeSpec compute) {
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> annotations = new LinkedHashMap<>();
    if (compute == null) return new PodPlacement(labels, annotations, Map.of(), List.of());
    if (compute.getEci() != null && compute.getEci().isEnabled()) {
      labels.put(ECI_LABEL, "true");
    }
    if (compute.getEci() != null
        && compute.getEci().getInstanceTypes() != null
        && !compute.getEci().getInstanceTypes().isEmpty()) {
      annotations.put(ECI_SPECS_ANNOTATION, String.join(",", compute.getEci().getInstanceTypes()));
    }
    return new PodPlacement(
        labels,
        annotations,
        compute.getNodeSelector() == null ? Map.of() : new LinkedHashMap<>(compute.getNodeSelector()),
        compute.getTolerations() == null ? List.of() : List.copyOf(compute.getTolerations()));
  }
}
