package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.KnativeServiceRenderer;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.ObjectDrift;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The templates' shared endpoints: one Knative Service per template with a {@code shared} section,
 * created, updated and deleted with it, its readiness mirrored into the template's status. Works
 * without Knative too: such templates say so, and dedicated instances are not affected.
 */
class SharedEndpoints {
  static final String KNATIVE_NOT_INSTALLED = "KnativeNotInstalled";
  static final String KNATIVE_SERVICE_CRD = "services.serving.knative.dev";
  private static final Logger log = LoggerFactory.getLogger(SharedEndpoints.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private InformerEventSource<Service, AigcTemplate> services;

  SharedEndpoints(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  /** The informer on Knative Services, or empty when the cluster has no Knative Serving. */
  Optional<InformerEventSource<Service, AigcTemplate>> eventSource(EventSourceContext<AigcTemplate> context) {
    if (!knativeInstalled()) {
      log.warn("Knative Serving is not installed (no services.serving.knative.dev); templates with spec.shared will "
          + "report {} until it is installed and the operator restarted", KNATIVE_NOT_INSTALLED);
      return Optional.empty();
    }
    services = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Service.class, AigcTemplate.class)
            .withName("template-knative-services")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
            .withSecondaryToPrimaryMapper(s -> Set.of(new ResourceID(
                s.getMetadata().getLabels().getOrDefault(Labels.TEMPLATE, s.getMetadata().getName()),
                s.getMetadata().getNamespace())))
            .build(),
        context);
    return Optional.of(services);
  }

  /**
   * Whether the Knative Service CRD exists. Asked of the CRD itself (RBAC: get on that one CRD);
   * API discovery is the fallback when that is not allowed.
   */
  private boolean knativeInstalled() {
    try {
      return client.apiextensions().v1().customResourceDefinitions().withName(KNATIVE_SERVICE_CRD).get() != null;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) throw e;
      return client.supports(Service.class);
    }
  }

  /** Deletes the template's Knative Service, if it has one; true when none is left. */
  boolean deleteFor(AigcTemplate template) {
    Service current = services == null ? null : services.get(ResourceID.fromResource(template)).orElse(null);
    if (current == null || !ownedBy(current, template)) return true;
    client.resource(current).delete();
    events.normal(template, "SharedEndpointDeleted", "deleted Knative Service " + current.getMetadata().getName() + " as the template is deleted");
    return false;
  }

  /**
   * Brings the template's Knative Service in line with its {@code shared} section and records the
   * outcome in {@code status}.
   *
   * @return why the shared endpoint cannot be served, or null
   */
  String reconcile(AigcTemplate template, AigcTemplateStatus status, String now) {
    Long generation = template.getMetadata().getGeneration();
    Service current = services == null ? null
        : services.get(ResourceID.fromResource(template)).orElse(null);
    if (template.getSpec().getShared() == null) {
      if (current != null && ownedBy(current, template)) {
        client.resource(current).delete();
        events.normal(template, "SharedEndpointDeleted", "deleted Knative Service " + current.getMetadata().getName());
      }
      status.setSharedUrl(null);
      status.setSharedGeneration(null);
      status.setConditions(Conditions.without(status.getConditions(), Conditions.SHARED_ENDPOINT_READY));
      return null;
    }
    if (services == null) {
      String message = "Knative Serving is not installed in this cluster (no services.serving.knative.dev CRD); "
          + "install it and restart the operator to get the shared endpoint";
      var previous = Conditions.find(status.getConditions(), Conditions.SHARED_ENDPOINT_READY);
      if (previous == null || !KNATIVE_NOT_INSTALLED.equals(previous.getReason())) {
        events.warning(template, KNATIVE_NOT_INSTALLED, message);
      }
      status.setConditions(Conditions.with(status.getConditions(), Conditions.SHARED_ENDPOINT_READY, false,
          KNATIVE_NOT_INSTALLED, message, generation, now));
      return message;
    }

    Service desired = KnativeServiceRenderer.render(template);
    Service written = write(desired, current);
    status.setSharedUrl(written.getStatus() == null ? null : written.getStatus().getUrl());
    String rendered = written.getMetadata().getAnnotations() == null ? null
        : written.getMetadata().getAnnotations().get(Labels.TEMPLATE_GENERATION);
    status.setSharedGeneration(rendered == null ? null : Long.valueOf(rendered));
    mirrorReadiness(written, status, generation, now);
    return null;
  }

  private Service write(Service desired, Service current) {
    var resources = client.resources(Service.class).inNamespace(desired.getMetadata().getNamespace());
    ResourceID id = ResourceID.fromResource(desired);
    if (current == null) {
      Service created = resources.resource(desired).create();
      services.handleRecentResourceCreate(id, created);
      log.info("created Knative Service {}/{}", desired.getMetadata().getNamespace(), desired.getMetadata().getName());
      return created;
    }
    if (ObjectDrift.metadataPresent(desired, current)
        && ObjectDrift.isSubset(Serialization.jsonMapper().valueToTree(desired.getSpec()),
            Serialization.jsonMapper().valueToTree(current.getSpec()))) {
      return current;
    }
    // Knative's webhook fills in defaults again after this write; what others added to metadata stays.
    Service merged = Serialization.clone(current);
    ObjectDrift.mergeMetadata(desired, merged);
    merged.setSpec(desired.getSpec());
    Service updated = resources.resource(merged).update();
    services.handleRecentResourceUpdate(id, updated, current);
    log.info("updated Knative Service {}/{}", desired.getMetadata().getNamespace(), desired.getMetadata().getName());
    return updated;
  }

  /** SharedEndpointReady follows the Knative Service's Ready condition, once Knative has seen our last write. */
  private static void mirrorReadiness(Service service, AigcTemplateStatus status, Long generation, String now) {
    var knative = service.getStatus();
    boolean seen = knative != null && knative.getObservedGeneration() != null
        && Objects.equals(knative.getObservedGeneration(), service.getMetadata().getGeneration());
    var ready = !seen || knative.getConditions() == null ? null
        : knative.getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
    if (ready == null) {
      status.setConditions(Conditions.with(status.getConditions(), Conditions.SHARED_ENDPOINT_READY, Conditions.UNKNOWN,
          "Deploying", "waiting for Knative to report on Service " + service.getMetadata().getName(), generation, now));
      return;
    }
    String reason = ready.getReason() != null && !ready.getReason().isEmpty() ? ready.getReason()
        : Conditions.TRUE.equals(ready.getStatus()) ? "Ready" : "NotReady";
    String message = ready.getMessage() != null && !ready.getMessage().isEmpty() ? ready.getMessage()
        : Conditions.TRUE.equals(ready.getStatus()) ? "serving at " + knative.getUrl() : "Knative reports the Service not ready";
    status.setConditions(Conditions.with(status.getConditions(), Conditions.SHARED_ENDPOINT_READY, ready.getStatus(),
        reason, message, generation, now));
  }

  private static boolean ownedBy(Service service, AigcTemplate template) {
    return service.getMetadata().getOwnerReferences() != null && service.getMetadata().getOwnerReferences().stream()
        .anyMatch(r -> Objects.equals(r.getUid(), template.getMetadata().getUid()));
  }
}
