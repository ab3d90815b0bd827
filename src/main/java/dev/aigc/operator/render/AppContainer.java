package dev.aigc.operator.render;

import dev.aigc.operator.api.AppSpec;
import dev.aigc.operator.api.ComputeSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The app's container and the compute profile's resources: the same for both modes. */
public final class AppContainer {
  public static final String GPU_RESOURCE = "nvidia.com/gpu";
  public static final String GPU_MEMORY_RESOURCE = "aliyun.com/gpu-mem";

  private static final ObjectMapper JSON = Serialization.jsonMapper();

  private AppContainer() {}

  /** What the pod needs besides the container: security context, pull secrets, service account. */
  public static void applyPodSettings(AppSpec app, io.fabric8.kubernetes.api.model.PodSpec pod) {
    pod.setSecurityContext(app.getPodSecurityContext());
    if (app.getImagePullSecrets() != null && !app.getImagePullSecrets().isEmpty()) {
      pod.setImagePullSecrets(app.getImagePullSecrets().stream()
          .map(n -> new io.fabric8.kubernetes.api.model.LocalObjectReference(n)).toList());
    }
    pod.setServiceAccountName(app.getServiceAccountName());
  }

  /** @param defaultProbe the readiness probe used when the template gives none */
  public static Container render(AppSpec app, ComputeSpec compute, Probe defaultProbe) {
    ContainerBuilder container =
        new ContainerBuilder()
            .withName(Names.container(app.getImage()))
            .withImage(app.getImage())
            .withCommand(orEmpty(app.getCommand()))
            .withArgs(orEmpty(app.getArgs()))
            .withEnv(orEmpty(app.getEnv()))
            .withReadinessProbe(app.getReadinessProbe() != null ? app.getReadinessProbe() : defaultProbe)
            .withSecurityContext(securityContext(app.getSecurityContext()));
    ResourceRequirements resources = resources(compute);
    if (resources != null) container.withResources(resources);
    return container.build();
  }

  /**
   * Safe defaults that still run images built to run as root (restricted Pod Security asks for these
   * and runAsNonRoot, which only the template can promise): the template's fields win.
   */
  static SecurityContext securityContext(SecurityContext fromTemplate) {
    ObjectNode merged = JSON.valueToTree(new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build());
    if (fromTemplate != null) merge(merged, JSON.valueToTree(fromTemplate));
    return JSON.convertValue(merged, SecurityContext.class);
  }

  private static void merge(ObjectNode base, JsonNode over) {
    over.fields().forEachRemaining(e -> {
      JsonNode current = base.get(e.getKey());
      if (current instanceof ObjectNode o && e.getValue().isObject()) merge(o, e.getValue());
      else if (!e.getValue().isNull()) base.set(e.getKey(), e.getValue());
    });
  }

  /** A TCP check on the app's port: the app is ready once it accepts connections. */
  public static ProbeBuilder tcpProbe(int port) {
    return new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(port)).endTcpSocket();
  }

  /** CPU and memory as both request and limit (a guaranteed share) unless requests say less; GPUs as limits, which Kubernetes copies to requests. */
  static ResourceRequirements resources(ComputeSpec compute) {
    if (compute == null) return null;
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    var asked = compute.getRequests();
    if (compute.getCpu() != null) {
      requests.put("cpu", new Quantity(asked != null && asked.getCpu() != null ? asked.getCpu() : compute.getCpu()));
      limits.put("cpu", new Quantity(compute.getCpu()));
    } else if (asked != null && asked.getCpu() != null) {
      requests.put("cpu", new Quantity(asked.getCpu()));
    }
    if (compute.getMemory() != null) {
      requests.put("memory", new Quantity(asked != null && asked.getMemory() != null ? asked.getMemory() : compute.getMemory()));
      limits.put("memory", new Quantity(compute.getMemory()));
    } else if (asked != null && asked.getMemory() != null) {
      requests.put("memory", new Quantity(asked.getMemory()));
    }
    if (compute.getGpu() != null && compute.getGpu() > 0) {
      limits.put(GPU_RESOURCE, new Quantity(compute.getGpu().toString()));
    }
    if (compute.getGpuMemory() != null && compute.getGpuMemory() > 0) {
      limits.put(GPU_MEMORY_RESOURCE, new Quantity(compute.getGpuMemory().toString()));
    }
    if (requests.isEmpty() && limits.isEmpty()) return null;
    ResourceRequirements resources = new ResourceRequirements();
    if (!requests.isEmpty()) resources.setRequests(requests);
    if (!limits.isEmpty()) resources.setLimits(limits);
    return resources;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
