package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The wake Service of a template that idles, and its endpoints: the gateway's ready endpoints.
 * ingress-nginx takes a default backend only from the Ingress's own namespace, by name, uses its
 * first port, and needs endpoints (an ExternalName Service does not work, ingress-nginx issue
 * #12158); so the operator keeps a selector-less Service in each such template's namespace with one
 * EndpointSlice mirroring the gateway's. Pure: template and the gateway's slices in, objects out.
 */
public final class WakeBackend {
  /** The one port of the wake Service, which ingress-nginx uses as the default backend's port. */
  public static final int SERVICE_PORT = 80;
  public static final String PORT_NAME = "http";
  /** Where the gateway listens when its Service has no endpoints yet to tell (the chart's default). */
  static final int DEFAULT_GATEWAY_PORT = 8080;
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String SLICE_MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  /** Tells the EndpointSlice controller (and readers) that these endpoints are ours, not its. */
  public static final String SLICE_MANAGER = "aigc.dev-operator";
  public static final String COMPONENT = "wake";

  private WakeBackend() {}

  /** The wake Service and its slice. */
  public record Desired(Service service, EndpointSlice slice) {}

  /**
   * @param gatewaySlices the EndpointSlices of the gateway's Service (label kubernetes.io/service-name)
   */
  public static Desired render(AigcTemplate template, List<EndpointSlice> gatewaySlices) {
    String name = Names.wakeService(template.getMetadata().getName());
    String namespace = template.getMetadata().getNamespace();
    int port = gatewayPort(gatewaySlices);
    Service service = new ServiceBuilder()
        .withMetadata(metadata(template, name, Map.of()))
        .withNewSpec()
        .withType("ClusterIP")
        // no selector: the endpoints are the slice below, which the operator writes
        .addNewPort().withName(PORT_NAME).withProtocol("TCP").withPort(SERVICE_PORT).withTargetPort(new IntOrString(port)).endPort()
        .endSpec()
        .build();
    Map<String, String> sliceLabels = new LinkedHashMap<>();
    sliceLabels.put(SERVICE_NAME_LABEL, name);
    sliceLabels.put(SLICE_MANAGED_BY_LABEL, SLICE_MANAGER);
    EndpointSlice slice = new EndpointSliceBuilder()
        .withMetadata(metadata(template, name, sliceLabels))
        .withAddressType("IPv4")
        .withEndpoints(readyEndpoints(gatewaySlices))
        .withPorts(new EndpointPort(null, PORT_NAME, port, "TCP"))
        .build();
    return new Desired(service, slice);
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta metadata(AigcTemplate template, String name, Map<String, String> extra) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forTemplate(template.getMetadata().getName(), COMPONENT));
    labels.putAll(extra);
    var meta = new ObjectMetaBuilder().withName(name).withNamespace(template.getMetadata().getNamespace()).withLabels(labels).build();
    // garbage collection takes them with the template; offline rendering has no UID to name
    if (template.getMetadata().getUid() != null) meta.setOwnerReferences(List.of(GameServerSetRenderer.ownerReference(template)));
    return meta;
  }

  /**
   * The port the gateway serves its HTTP on: the slices' port named http, else the only port
   * they name; the chart's default while there is nothing to tell.
   */
  static int gatewayPort(List<EndpointSlice> slices) {
    TreeSet<Integer> only = new TreeSet<>();
    for (EndpointSlice slice : slices) {
      if (slice.getPorts() == null) continue;
      for (EndpointPort p : slice.getPorts()) {
        if (p.getPort() == null) continue;
        if (PORT_NAME.equals(p.getName())) return p.getPort();
        only.add(p.getPort());
      }
    }
    return only.size() == 1 ? only.first() : DEFAULT_GATEWAY_PORT;
  }

  /**
   * The gateway's IPv4 endpoints that are ready (an absent condition means ready, as the API says),
   * each address once, in a stable order so that an unchanged set is no write.
   */
  static List<Endpoint> readyEndpoints(List<EndpointSlice> slices) {
    TreeSet<String> addresses = new TreeSet<>();
    for (EndpointSlice slice : slices) {
      if (!"IPv4".equals(slice.getAddressType()) || slice.getEndpoints() == null) continue;
      for (Endpoint endpoint : slice.getEndpoints()) {
        var conditions = endpoint.getConditions();
        boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
        if (ready && endpoint.getAddresses() != null) addresses.addAll(endpoint.getAddresses());
      }
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (String address : addresses) {
      endpoints.add(new EndpointBuilder().withAddresses(address).withNewConditions().withReady(true).endConditions().build());
    }
    endpoints.sort(Comparator.comparing(e -> e.getAddresses().get(0)));
    return endpoints;
  }
}
