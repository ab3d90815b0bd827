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
import java.util.List;
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
          .contains("operator_sdk")
          .contains("aigc_operator_leader 1.0")
          .contains("jvm_memory_used_bytes").contains("jvm_gc_pause_seconds").contains("process_cpu_usage")
          .contains("process_uptime_seconds").contains("jvm_threads_live_threads")
          .as("an operator-only process exports no auth metrics").doesNotContain("aigc_auth"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /** Knative's queue-proxy metrics, which the dashboard's shared-endpoint panels read; not ours to export. */
  private static final Set<String> KNATIVE = Set.of("revision_request_count", "revision_request_latencies_bucket");

  @Test
  void theChartsDashboardAndAlertsQueryMetricsThatExist() throws Exception {
    await().atMost(WAIT).until(operator::isLeader);
    // one failed reconcile, so that the failure counter exists as it would in a cluster
    cluster.server().expect().post().withPath("/apis/game.kruise.io/v1alpha1/namespaces/" + NS + "/gameserversets")
        .andReturn(422, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(422).withMessage("refused").build()).once();
    applyExampleTemplate();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    // what the gateway adds where it runs
    telemetry.enableAuthMetrics();
    telemetry.authDecided(200, 1_000);
    telemetry.authHostMismatch();
    java.util.Set<String> exported = new java.util.HashSet<>();
    await().atMost(WAIT).untilAsserted(() -> {
      exported.clear();
      telemetry.scrape().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
          .forEach(l -> exported.add(l.replaceAll("[{ ].*", "")));
      assertThat(exported).contains("operator_sdk_controllers_execution_reconcile_failure_total");
    });

    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> queries = new java.util.ArrayList<>();
    json.readTree(java.nio.file.Path.of("helm/aigc-operator/files/grafana-dashboard.json").toFile()).findValues("expr")
        .forEach(e -> queries.add(e.asText()));
    var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    yaml.readTree(java.nio.file.Path.of("helm/aigc-operator/files/alerts.yaml").toFile()).forEach(r -> queries.add(r.path("expr").asText()));
    assertThat(queries).hasSizeGreaterThan(10);

    java.util.Set<String> named = new java.util.TreeSet<>();
    for (String q : queries) named.addAll(metricNames(q));
    assertThat(named).contains("aigc_instances", "aigc_auth_seconds_bucket", "revision_request_count");
    for (String metric : named) {
      assertThat(exported.contains(metric) || KNATIVE.contains(metric)).as("metric %s named by the dashboard or alerts", metric).isTrue();
    }
  }

  /** The metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
  static java.util.Set<String> metricNames(String promql) {
    String bare = promql.replaceAll("\\{[^}]*}", "").replaceAll("\\[[^]]*]", "")
        .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", "");
    java.util.Set<String> names = new java.util.TreeSet<>();
    var m = java.util.regex.Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()").matcher(bare);
    java.util.Set<String> keywords = Set.of("and", "or", "unless", "bool", "offset", "group_left", "group_right");
    while (m.find()) if (!keywords.contains(m.group(1))) names.add(m.group(1));
    return names;
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
