package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wake Service and its endpoints, from the template and the gateway Service's EndpointSlices. */
class WakeBackendTest {
  private static AigcTemplate template() {
    AigcTemplate template = GameServerSetRendererTest.idling("stable-diffusion-cpu");
    template.getMetadata().setNamespace("team-a");
    template.getMetadata().setUid("7d0c2d9e-0000-4000-8000-000000000001");
    return template;
  }

  private static EndpointSlice gatewaySlice(String type, Object... addressAndReady) {
    var builder = new EndpointSliceBuilder().withNewMetadata().withName("aigc-gateway-x").withNamespace("aigc-system").endMetadata()
        .withAddressType(type)
        .withPorts(new EndpointPort(null, "http", 8080, "TCP"), new EndpointPort(null, "metrics", 8081, "TCP"));
    for (int i = 0; i < addressAndReady.length; i += 2) {
      builder.addToEndpoints(new EndpointBuilder().withAddresses((String) addressAndReady[i])
          .withNewConditions().withReady((Boolean) addressAndReady[i + 1]).endConditions().build());
    }
    return builder.build();
  }

  @Test
  void theWakeServiceIsASelectorlessServiceOfOnePortInTheTemplatesNamespaceOwnedByTheTemplate() {
    var desired = WakeBackend.render(template(), List.of(gatewaySlice("IPv4", "10.0.0.7", true)));
    var service = desired.service();
    assertThat(service.getMetadata().getName()).isEqualTo("stable-diffusion-cpu-wake");
    assertThat(service.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(service.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo("7d0c2d9e-0000-4000-8000-000000000001"));
    assertThat(service.getSpec().getSelector()).isNullOrEmpty();
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(80);
      assertThat(p.getTargetPort().getIntVal()).as("the gateway's http port, not its metrics").isEqualTo(8080);
    });
  }

  @Test
  void theSliceMirrorsTheGatewaysReadyEndpointsOnlyAndBelongsToTheWakeService() {
    var slice = WakeBackend.render(template(), List.of(
        gatewaySlice("IPv4", "10.0.0.9", true, "10.0.0.7", false),
        gatewaySlice("IPv4", "10.0.0.3", true, "10.0.0.9", true),
        gatewaySlice("IPv6", "fd00::1", true))).slice();
    assertThat(slice.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "stable-diffusion-cpu-wake")
        .containsEntry("endpointslice.kubernetes.io/managed-by", "aigc.dev-operator");
    assertThat(slice.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(slice.getEndpoints()).flatExtracting(e -> e.getAddresses()).containsExactly("10.0.0.3", "10.0.0.9");
    assertThat(slice.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).as("the name of the Service's port, as the slice must say").isEqualTo("http");
      assertThat(p.getPort()).isEqualTo(8080);
    });
  }

  @Test
  void withoutReadyGatewayEndpointsTheSliceIsEmptyAndAnUnchangedGatewayRendersTheSameSlice() {
    assertThat(WakeBackend.render(template(), List.of(gatewaySlice("IPv4", "10.0.0.7", false))).slice().getEndpoints()).isEmpty();
    assertThat(WakeBackend.render(template(), List.of()).slice().getEndpoints()).isEmpty();
    var a = WakeBackend.render(template(), List.of(gatewaySlice("IPv4", "10.0.0.2", true, "10.0.0.1", true)));
    var b = WakeBackend.render(template(), List.of(gatewaySlice("IPv4", "10.0.0.1", true, "10.0.0.2", true)));
    assertThat(a).isEqualTo(b);
  }
}
