package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.ObjectDrift;
import dev.aigc.operator.render.WakeBackend;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each idling template's wake Service (ingress-nginx's default backend for its instances'
 * Ingresses) pointing at the gateway's ready endpoints: a selector-less Service and one
 * EndpointSlice in the template's namespace ({@link WakeBackend}), owned by the template so that
 * garbage collection removes them with it. The gateway's EndpointSlices are watched; a change of
 * them reconciles every template that idles, which writes only what changed.
 */
final class WakeBackends {
  private static final Logger log = LoggerFactory.getLogger(WakeBackends.class);
  private static final String OURS = Labels.MANAGED_BY + "=" + Labels.OPERATOR + "," + Labels.COMPONENT + "=" + WakeBackend.COMPONENT;
  /** What the template's status says when the operator cannot make the instances' URLs wake them. */
  static final String NO_GATEWAY_SERVICE = "opening a suspended instance's URL does not wake it, as the operator was not told "
      + "the gateway's Service (--gateway-service); the dashboard's Open does";

  private final KubernetesClient client;
  private final OperatorSettings settings;
  private InformerEventSource<Service, AigcTemplate> services;
  private InformerEventSource<EndpointSlice, AigcTemplate> slices;
  private InformerEventSource<EndpointSlice, AigcTemplate> gateway;

  WakeBackends(KubernetesClient client, OperatorSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** The informers on the wake objects and the gateway's slices; none without the gateway's Service. */
  List<EventSource<?, AigcTemplate>> eventSources(EventSourceContext<AigcTemplate> context) {
    if (settings.gatewayService() == null) return List.of();
    services = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Service.class, AigcTemplate.class)
            .withName("wake-services")
            .withNamespacesInheritedFromController()
            .withLabelSelector(OURS)
            .withSecondaryToPrimaryMapper(WakeBackends::templateOf)
            .build(),
        context);
    slices = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(EndpointSlice.class, AigcTemplate.class)
            .withName("wake-endpointslices")
            .withNamespacesInheritedFromController()
            .withLabelSelector(OURS)
            .withSecondaryToPrimaryMapper(WakeBackends::templateOf)
            .build(),
        context);
    // the gateway lives in its own namespace, which need not be one the operator watches
    gateway = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(EndpointSlice.class, AigcTemplate.class)
            .withName("gateway-endpointslices")
            .withNamespaces(Set.of(settings.gatewayServiceNamespace()))
            .withFollowControllerNamespacesChanges(false)
            .withLabelSelector(WakeBackend.SERVICE_NAME_LABEL + "=" + settings.gatewayServiceName())
            .withSecondaryToPrimaryMapper(s -> context.getPrimaryCache().list(WakeBackends::idles)
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
            .build(),
        context);
    return List.of(services, slices, gateway);
  }

  static boolean idles(AigcTemplate template) {
    return template.getSpec() != null && template.getSpec().getDedicated() != null && template.getSpec().getDedicated().getIdle() != null;
  }

  /**
   * Brings the template's wake objects in line: present while it idles, gone otherwise.
   *
   * @return what the template's status should add about waking, or null
   */
  String reconcile(AigcTemplate template) {
    boolean idles = idles(template);
    if (settings.gatewayService() == null) return idles ? NO_GATEWAY_SERVICE : null;
    ResourceID id = new ResourceID(Names.wakeService(template.getMetadata().getName()), template.getMetadata().getNamespace());
    Service currentService = services.get(id).orElse(null);
    EndpointSlice currentSlice = slices.get(id).orElse(null);
    if (!idles) {
      deleteIfOurs(currentSlice, template);
      deleteIfOurs(currentService, template);
      return null;
    }
    WakeBackend.Desired desired = WakeBackend.render(template, gateway.list().toList());
    try {
      writeService(desired.service(), currentService);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      // a Service of that name that is not ours (our informer sees only ours): said, not retried forever
      if (e.getCode() != 409) throw e;
      return "opening a suspended instance's URL does not wake it: a Service named " + id.getName()
          + " that the operator does not manage exists in " + id.getNamespace().orElse("") + "; delete or rename it";
    }
    writeSlice(desired.slice(), currentSlice);
    return null;
  }

  private void writeService(Service desired, Service current) {
    ResourceID id = ResourceID.fromResource(desired);
    if (current == null) {
      services.handleRecentResourceCreate(id, client.resource(desired).create());
      log.info("created wake Service {}/{}", desired.getMetadata().getNamespace(), desired.getMetadata().getName());
      return;
    }
    boolean selectorless = current.getSpec().getSelector() == null || current.getSpec().getSelector().isEmpty();
    if (ObjectDrift.metadataPresent(desired, current) && selectorless
        && ObjectDrift.isSubset(Serialization.jsonMapper().valueToTree(desired.getSpec()), Serialization.jsonMapper().valueToTree(current.getSpec()))) {
      return;
    }
    // the API server's own fields (clusterIP, ipFamilies) stay as they are
    Service merged = Serialization.clone(current);
    ObjectDrift.mergeMetadata(desired, merged);
    merged.getSpec().setSelector(null);
    merged.getSpec().setType(desired.getSpec().getType());
    merged.getSpec().setPorts(desired.getSpec().getPorts());
    services.handleRecentResourceUpdate(id, client.resource(merged).update(), current);
  }

  private void writeSlice(EndpointSlice desired, EndpointSlice current) {
    ResourceID id = ResourceID.fromResource(desired);
    if (current == null) {
      slices.handleRecentResourceCreate(id, client.resource(desired).create());
      return;
    }
    if (ObjectDrift.metadataPresent(desired, current) && Objects.equals(desired.getAddressType(), current.getAddressType())
        && Objects.equals(desired.getEndpoints(), current.getEndpoints()) && Objects.equals(desired.getPorts(), current.getPorts())) {
      return;
    }
    EndpointSlice merged = Serialization.clone(current);
    ObjectDrift.mergeMetadata(desired, merged);
    merged.setEndpoints(desired.getEndpoints());
    merged.setPorts(desired.getPorts());
    slices.handleRecentResourceUpdate(id, client.resource(merged).update(), current);
    log.debug("wake endpoints of {}/{}: {}", desired.getMetadata().getNamespace(), desired.getMetadata().getName(),
        desired.getEndpoints().stream().map(e -> e.getAddresses().get(0)).toList());
  }

  private void deleteIfOurs(HasMetadata object, AigcTemplate template) {
    if (object == null || object.getMetadata().getOwnerReferences() == null
        || object.getMetadata().getOwnerReferences().stream().noneMatch(r -> Objects.equals(r.getUid(), template.getMetadata().getUid()))) {
      return;
    }
    client.resource(object).delete();
    log.info("deleted wake {} {}/{}: template no longer idles", object.getKind(), object.getMetadata().getNamespace(),
        object.getMetadata().getName());
  }

  private static Set<ResourceID> templateOf(HasMetadata object) {
    var labels = object.getMetadata().getLabels();
    String template = labels == null ? null : labels.get(Labels.TEMPLATE);
    return template == null ? Set.of() : Set.of(new ResourceID(template, object.getMetadata().getNamespace()));
  }
}
