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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The app's container and the compute profile's resources: the same for both modes. */
public final class AppContainer {
  public static final String GPU_RESOURCE = "nvidia.com/gpu";
  public static final String GPU_MEMORY_RESOURCE = "aliyun.com/gpu-mem";

  private AppContainer() {}

  /** @param defaultProbe the readiness probe used when the template gives none */
  public static Container render(AppSpec app, ComputeSpec compute, Probe defaultProbe) {
    ContainerBuilder container =
        new ContainerBuilder()
            .withName(Names.container(app.getImage()))
            .withImage(app.getImage())
            .withCommand(orEmpty(app.getCommand()))
            .withArgs(orEmpty(app.getArgs()))
            .withEnv(orEmpty(app.getEnv()))
            .withReadinessProbe(app.getReadinessProbe() != null ? app.getReadinessProbe() : defaultProbe);
    ResourceRequirements resources = resources(compute);
    if (resources != null) container.withResources(resources);
    return container.build();
  }

  /** A TCP check on the app's port: the app is ready once it accepts connections. */
  public static ProbeBuilder tcpProbe(int port) {
    return new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(port)).endTcpSocket();
  }

  /** CPU and memory as both request and limit (a guaranteed share); GPUs as limits, which Kubernetes copies to requests. */
  static ResourceRequirements resources(ComputeSpec compute) {
    if (compute == null) return null;
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (compute.getCpu() != null) {
      requests.put("cpu", new Quantity(compute.getCpu()));
      limits.put("cpu", new Quantity(compute.getCpu()));
    }
    if (compute.getMemory() != null) {
      requests.put("memory", new Quantity(compute.getMemory()));
      limits.put("memory", new Quantity(compute.getMemory()));
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
    resources.setLimits(limits);
    return resources;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
