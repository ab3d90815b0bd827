package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.WakeBackend;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The wake Service of an idling template over its life, as an admin changes things around it: it
 * follows the gateway's ready pods, goes when the template stops idling or stops offering
 * instances, and a Service of the same name that is not the operator's is reported, not fought.
 */
class WakeBackendsIT extends OperatorTestBase {
  private static final String GATEWAY_NAMESPACE = "aigc-system";
  private static final String GATEWAY_SERVICE = "aigc-gateway";
  private final String wake = Names.wakeService(TEMPLATE);

  @Override
  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    OperatorSettings settings = new OperatorSettings(Set.of(), "http://aigc-gateway.aigc-system.svc:8080/auth", "https://aigc.example.test/sign-in")
        .withGatewayService(GATEWAY_NAMESPACE + "/" + GATEWAY_SERVICE);
    operator = new AigcOperator(operatorClient, settings).start();
  }

  private void gatewayPods(String... readyIps) {
    EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withName(GATEWAY_SERVICE + "-x1").withNamespace(GATEWAY_NAMESPACE)
        .addToLabels(WakeBackend.SERVICE_NAME_LABEL, GATEWAY_SERVICE).endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(java.util.Arrays.stream(readyIps)
            .map(ip -> new EndpointBuilder().withAddresses(ip).withNewConditions().withReady(true).endConditions().build()).toList())
        .withPorts(new EndpointPort(null, "http", 8080, "TCP"))
        .build();
    kubectl.resource(slice).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  private List<String> mirrored() {
    EndpointSlice slice = kubectl.resources(EndpointSlice.class).inNamespace(NS).withName(wake).get();
    return slice == null ? null : slice.getEndpoints().stream().map(e -> e.getAddresses().get(0)).sorted().toList();
  }

  private void idle(boolean on) {
    editTemplate(t -> {
      IdleSpec idle = new IdleSpec();
      idle.setSuspendAfter("30m");
      t.getSpec().getDedicated().setIdle(on ? idle : null);
    });
  }

  private String readyMessage() {
    AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    var ready = t == null || t.getStatus() == null ? null : Conditions.find(t.getStatus().getConditions(), Conditions.READY);
    return ready == null ? "" : ready.getMessage();
  }

  @Test
  void followsTheGatewaysPodsAndGoesWhenTheTemplateNoLongerIdles() {
    gatewayPods("10.0.0.5");
    applyExampleTemplate();
    idle(true);
    await().atMost(WAIT).until(() -> List.of("10.0.0.5").equals(mirrored()));
    Service service = kubectl.services().inNamespace(NS).withName(wake).get();
    assertThat(service.getSpec().getSelector()).as("selector-less: its endpoints are the operator's").isNullOrEmpty();

    // the gateway rolls: its new pods are where a suspended instance's 503 goes
    gatewayPods("10.0.0.6", "10.0.0.7");
    await().atMost(WAIT).until(() -> List.of("10.0.0.6", "10.0.0.7").equals(mirrored()));

    idle(false);
    await().atMost(WAIT).until(() -> kubectl.services().inNamespace(NS).withName(wake).get() == null && mirrored() == null);

    // and when the template stops offering instances at all
    idle(true);
    await().atMost(WAIT).until(() -> mirrored() != null);
    editTemplate(t -> {
      t.getSpec().setDedicated(null);
      t.getSpec().setShared(new dev.aigc.operator.api.SharedSpec());
    });
    await().atMost(WAIT).until(() -> kubectl.services().inNamespace(NS).withName(wake).get() == null && mirrored() == null);
  }

  @Test
  void aServiceOfThatNameThatIsNotOursIsReportedAndLeftAlone() {
    gatewayPods("10.0.0.5");
    Service foreign = new ServiceBuilder().withNewMetadata().withName(wake).withNamespace(NS).endMetadata()
        .withNewSpec().addToSelector("app", "someone-elses").addNewPort().withPort(80).endPort().endSpec().build();
    kubectl.resource(foreign).create();
    applyExampleTemplate();
    idle(true);
    await().atMost(WAIT).until(() -> readyMessage().contains("a Service named " + wake + " that the operator does not manage"));
    assertThat(kubectl.services().inNamespace(NS).withName(wake).get().getSpec().getSelector()).containsEntry("app", "someone-elses");
    assertThat(mirrored()).isNull();
  }
}
