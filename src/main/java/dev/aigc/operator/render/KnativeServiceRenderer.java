package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.SharedSpec;
import io.fabric8.knative.serving.v1.RevisionSpec;
import io.fabric8.knative.serving.v1.RevisionTemplateSpec;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Template in, the template's shared endpoint out: one Knative Service that scales on concurrent
 * requests. Every field the operator writes on it is set here; fields the template leaves unset are
 * left out, so that Knative's own defaults apply.
 */
public final class KnativeServiceRenderer {
  public static final String AUTOSCALING = "autoscaling.knative.dev/";
  /** ACK Knative's cookie session affinity, on the Service's metadata. */
  public static final String ACK_AFFINITY = "serving.knative.dev.alibabacloud/affinity";
  public static final String ACK_COOKIE_NAME = "serving.knative.dev.alibabacloud/cookie-name";
  public static final String ACK_COOKIE_TIMEOUT = "serving.knative.dev.alibabacloud/cookie-timeout";
  /** Knative routes to the container port named http1 (HTTP/1.1; h2c would be for HTTP/2). */
  static final String PORT_NAME = "http1";

  private KnativeServiceRenderer() {}

  public static Service render(AigcTemplate template) {
    var spec = template.getSpec();
    SharedSpec shared = spec.getShared();
    String name = template.getMetadata().getName();
    int port = spec.getApp().effectivePort();

    Map<String, String> serviceAnnotations = new LinkedHashMap<>();
    Labels.putGeneration(serviceAnnotations, template);
    if (shared.getSessionAffinity() != null) {
      serviceAnnotations.put(ACK_AFFINITY, "cookie");
      serviceAnnotations.put(ACK_COOKIE_NAME, shared.getSessionAffinity().getCookieName());
      if (shared.getSessionAffinity().getTimeoutSeconds() != null) {
        serviceAnnotations.put(ACK_COOKIE_TIMEOUT, shared.getSessionAffinity().getTimeoutSeconds().toString());
      }
    }

    PodPlacement placement = PodPlacement.of(spec.getCompute());
    Map<String, String> revisionLabels = new LinkedHashMap<>(Labels.forTemplate(name, Labels.SHARED));
    revisionLabels.putAll(placement.labels());
    Map<String, String> revisionAnnotations = new LinkedHashMap<>();
    putIfSet(revisionAnnotations, AUTOSCALING + "class", shared.getAutoscalingClass());
    putIfSet(revisionAnnotations, AUTOSCALING + "min-scale", shared.getMinScale());
    putIfSet(revisionAnnotations, AUTOSCALING + "max-scale", shared.getMaxScale());
    putIfSet(revisionAnnotations, AUTOSCALING + "target-utilization-percentage", shared.getTargetUtilizationPercentage());
    revisionAnnotations.putAll(placement.annotations());

    // Knative probes often, so that a scaled-from-zero pod takes traffic as soon as it can.
    Container container = AppContainer.render(spec.getApp(), spec.getCompute(),
        AppContainer.tcpProbe(port).withInitialDelaySeconds(5).withPeriodSeconds(1).withFailureThreshold(3).build());
    container.setPorts(List.of(new ContainerPortBuilder().withName(PORT_NAME).withContainerPort(port).withProtocol("TCP").build()));

    RevisionSpec revision = new RevisionSpec();
    revision.setContainers(List.of(container));
    if (shared.getContainerConcurrency() != null) revision.setContainerConcurrency(shared.getContainerConcurrency().longValue());
    if (shared.getTimeoutSeconds() != null) revision.setTimeoutSeconds(shared.getTimeoutSeconds().longValue());
    // nodeSelector and tolerations need Knative's kubernetes.podspec-nodeselector/-tolerations features
    if (!placement.nodeSelector().isEmpty()) revision.setNodeSelector(placement.nodeSelector());
    if (!placement.tolerations().isEmpty()) revision.setTolerations(placement.tolerations());
    // a pod securityContext needs Knative's kubernetes.podspec-securitycontext feature
    var app = spec.getApp();
    revision.setSecurityContext(app.getPodSecurityContext());
    if (app.getImagePullSecrets() != null && !app.getImagePullSecrets().isEmpty()) {
      revision.setImagePullSecrets(app.getImagePullSecrets().stream()
          .map(n -> new io.fabric8.kubernetes.api.model.LocalObjectReference(n)).toList());
    }
    revision.setServiceAccountName(app.getServiceAccountName());

    RevisionTemplateSpec revisionTemplate = new RevisionTemplateSpec();
    revisionTemplate.setMetadata(new ObjectMetaBuilder()
        .withLabels(revisionLabels)
        .withAnnotations(revisionAnnotations.isEmpty() ? null : revisionAnnotations)
        .build());
    revisionTemplate.setSpec(revision);

    ServiceSpec serviceSpec = new ServiceSpec();
    serviceSpec.setTemplate(revisionTemplate);

    Service service = new Service();
    service.setMetadata(new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(template.getMetadata().getNamespace())
        .withLabels(Labels.forTemplate(name, Labels.SHARED))
        .withAnnotations(serviceAnnotations)
        .build());
    if (template.getMetadata().getUid() != null) {
      service.getMetadata().setOwnerReferences(List.of(GameServerSetRenderer.ownerReference(template)));
    }
    service.setSpec(serviceSpec);
    return service;
  }

  private static void putIfSet(Map<String, String> map, String key, Object value) {
    if (value != null) map.put(key, value.toString());
  }
}
