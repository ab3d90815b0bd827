package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.observe.ManagementServer;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leader election makes two replicas safe; health, readiness and metrics tell the operator's real state. */
class ObservabilityIT extends OperatorTestBase {
  static final OperatorSettings ELECTED = new OperatorSettings(Set.of(), SETTINGS.gatewayAuthUrl(),
      SETTINGS.gatewaySignInUrl(), "aigc-system", false);
  private Telemetry telemetry;

  @Override
  void startOperator() {
    cluster.allowLeases();
    telemetry = Telemetry.prometheus();
    operatorClient = cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("writes", telemetry.apiWrites())));
    operator = new AigcOperator(operatorClient, ELECTED, telemetry).start();
  }

  @Test
  void oneOfTwoReplicasLeadsTheOtherWaitsReadyAndMetricsShowTheWork() throws Exception {
    KubernetesClient secondClient = cluster.newClient(b -> { });
    try (AigcOperator standby = new AigcOperator(secondClient, ELECTED, Telemetry.inMemory()).start()) {
      await().atMost(WAIT).until(() -> operator.isLeader() ^ standby.isLeader());
      AigcOperator leader = operator.isLeader() ? operator : standby;
      AigcOperator other = leader == operator ? standby : operator;
      assertThat(kubectl.leases().inNamespace("aigc-system").withName(OperatorSettings.LEASE_NAME).get()).isNotNull();
      await().atMost(WAIT).until(leader::ready);
      assertThat(other.ready()).as("a standby is ready: it waits for the Lease").isTrue();

      applyExampleTemplate();
      install("alice-sd", "alice");
      awaitPhase("alice-sd", InstancePhase.Running);
    } finally {
      secondClient.close();
    }
  }

  @Test
  void theManagementPortServesHealthReadinessAndPrometheusMetrics() throws Exception {
    await().atMost(WAIT).until(operator::isLeader);
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);

    Vertx vertx = Vertx.vertx();
    try (ManagementServer management = new ManagementServer(vertx)) {
      int port = management.start("127.0.0.1", 0, operator::live, operator::ready, telemetry);
      HttpClient http = HttpClient.newHttpClient();
      assertThat(get(http, port, "/healthz").statusCode()).isEqualTo(200);
      await().atMost(WAIT).until(() -> get(http, port, "/readyz").statusCode() == 200);
      await().atMost(WAIT).untilAsserted(() -> assertThat(get(http, port, "/metrics").body())
          .contains("aigc_instances{phase=\"Running\",template=\"" + TEMPLATE + "\"} 1.0")
          .contains("aigc_instance_start_seconds_count")
          .contains("aigc_api_writes_total{kind=\"gameserversets\",method=\"POST\"}")
          .contains("operator_sdk"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
