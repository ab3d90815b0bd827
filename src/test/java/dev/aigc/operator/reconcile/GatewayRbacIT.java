package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionKeys;
import dev.aigc.operator.gateway.SessionRevocations;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC grants the gateway exactly what it calls: the real gateway, wired as {@code run
 * --only gateway} wires it with the chart's settings, makes its session-key Secret and serves a user
 * through sign-in, install, stop, start, restart, delete and two sign-outs while every request of its
 * client is recorded; each is then authorized against the roles that {@code helm template} binds to the gateway's
 * ServiceAccount. Every call must be allowed, and every right granted must have been used.
 */
class GatewayRbacIT extends OperatorTestBase {
  private static final String ORIGIN = "https://aigc.example.test";
  private static final String CLIENT = "aigc-gateway";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ConcurrentLinkedQueue<OperatorRbacIT.Call> calls = new ConcurrentLinkedQueue<>();
  private final java.net.http.HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private MockOAuth2Server oidc;
  private String base;

  @Test
  void theChartGrantsTheGatewayExactlyWhatItCallsForAUsersWholeSession() throws Exception {
    List<com.fasterxml.jackson.databind.JsonNode> chart = OperatorRbacIT.renderChart();
    List<OperatorRbacIT.Grant> grants = OperatorRbacIT.grantsOf(chart, "gateway");
    SessionRevocations.Location revoked = revokedSessionsOf(envOf(chart, "AIGC_REVOKED_SESSIONS"));
    // the chart names no keys file, so the gateway reads (here: creates) its own Secret, as run does
    SessionKeys.Location keysSecret = SessionKeys.Location.parse(envOf(chart, "AIGC_SESSION_KEYS_SECRET"), "unused");

    oidc = new MockOAuth2Server();
    oidc.start();
    KubernetesClient client = cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("record",
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            calls.add(new OperatorRbacIT.Call(request.method(), request.uri(), null));
          }
        })));
    Gateway gateway = Gateway.start(client, new GatewaySettings(ORIGIN, "example.test", "127.0.0.1", 0, Duration.ofHours(8), false,
            GatewayServer.ProxyMode.NGINX),
        new OidcSettings(oidc.issuerUrl("default").toString(), CLIENT, "not-a-real-secret", ORIGIN + "/callback", "sub", "groups",
            "aigc-admins"), SessionKeys.getOrCreate(client, keysSecret), Telemetry.inMemory(), Set.of(), revoked);
    try {
      base = "http://127.0.0.1:" + gateway.port();
      await().atMost(WAIT).until(gateway::ready);
      useEverything();
    } finally {
      gateway.close();
      oidc.shutdown();
    }

    List<OperatorRbacIT.Attributes> requests = new ArrayList<>();
    for (OperatorRbacIT.Call call : calls) {
      Optional<OperatorRbacIT.Attributes> attributes = OperatorRbacIT.attributesOf(call);
      if (attributes.isEmpty()) continue; // discovery, which every authenticated user may read
      requests.add(attributes.get());
    }
    System.out.print(new TreeMap<>(requests.stream().collect(Collectors.groupingBy(
        a -> a.key() + (a.name() == null ? "" : " " + a.name()), Collectors.counting())))
        .entrySet().stream().map(e -> String.format("  %-90s %4d%n", e.getKey(), e.getValue()))
        .collect(Collectors.joining("", "gateway API calls by (group, resource, verb[, name]):\n", "")));

    assertThat(requests).as("the informers were recorded too").anyMatch(a -> a.verb().equals("watch"));
    List<String> denied = requests.stream().filter(a -> grants.stream().noneMatch(g -> g.allows(a)))
        .map(a -> a.key() + " in " + a.namespace() + " (" + a.why() + ")").distinct().toList();
    assertThat(denied).as("calls the chart's RBAC does not allow").isEmpty();
    List<String> unused = grants.stream().filter(g -> requests.stream().noneMatch(g::allows))
        .map(g -> g.key() + " (" + g.role() + ")").distinct().toList();
    assertThat(unused).as("rights the chart grants that the gateway never used").isEmpty();
  }

  private static String envOf(List<com.fasterxml.jackson.databind.JsonNode> chart, String name) {
    return chart.stream().filter(d -> d.path("kind").asText().equals("Deployment")
            && d.at("/metadata/labels/app.kubernetes.io~1component").asText().equals("gateway"))
        .flatMap(d -> java.util.stream.StreamSupport.stream(d.at("/spec/template/spec/containers/0/env").spliterator(), false))
        .filter(e -> e.path("name").asText().equals(name)).map(e -> e.path("value").asText())
        .findFirst().orElseThrow(() -> new AssertionError("the chart sets no " + name + " on the gateway"));
  }

  private static SessionRevocations.Location revokedSessionsOf(String told) {
    return new SessionRevocations.Location(told.substring(0, told.indexOf('/')), told.substring(told.indexOf('/') + 1));
  }

  /** A user's whole session: every kind of call the gateway makes to the cluster. */
  private void useEverything() throws Exception {
    applyExampleTemplate();
    String alice = signIn("alice");
    await().atMost(WAIT).until(() -> JSON.readTree(send("GET", "/api/v1/templates", alice, null).body()).path("items").size() == 1);
    HttpResponse<String> installed = send("POST", "/api/v1/instances", alice, "{\"template\": \"" + TEMPLATE + "\"}");
    assertThat(installed.statusCode()).as(installed.body()).isEqualTo(201);
    String name = JSON.readTree(installed.body()).path("name").asText();
    awaitPhase(name, InstancePhase.Running);
    String path = "/api/v1/instances/" + NS + "/" + name;
    await().atMost(WAIT).until(() -> JSON.readTree(send("GET", "/api/v1/instances", alice, null).body()).path("items").size() == 1);
    // the dashboard's Open of a suspended instance: its activity publisher writes status.lastActivity at its next tick
    int statusWrites = statusPatches();
    assertThat(send("POST", path + "/wake", alice, "").statusCode()).isEqualTo(202);
    await().atMost(WAIT).until(() -> statusPatches() > statusWrites);
    for (String action : List.of("stop", "start", "restart")) {
      assertThat(send("POST", path + "/" + action, alice, "").statusCode()).as(action).isEqualTo(202);
    }
    assertThat(send("DELETE", path + "?deleteData=true", alice, "").statusCode()).isEqualTo(204);
    awaitGone(name);
    // the first sign-out creates the list, the next one patches it
    assertThat(send("POST", "/sign-out", alice, "").statusCode()).isEqualTo(303);
    assertThat(send("POST", "/sign-out", signIn("alice"), "").statusCode()).isEqualTo(303);
  }

  private int statusPatches() {
    return (int) calls.stream().filter(c -> c.method().equals("PATCH") && c.uri().getPath().endsWith("/status")).count();
  }

  private String signIn(String user) throws Exception {
    oidc.enqueueCallback(new DefaultOAuth2TokenCallback("default", user, "JWT", List.of(CLIENT), Map.of(), 3600));
    HttpResponse<String> start = send("GET", "/sign-in", null, null);
    HttpCookie flow = cookie(start, "aigc_sign_in");
    HttpResponse<String> provider = http.send(java.net.http.HttpRequest.newBuilder(URI.create(start.headers().firstValue("Location")
        .orElseThrow())).GET().build(), HttpResponse.BodyHandlers.ofString());
    URI back = URI.create(provider.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> callback = http.send(java.net.http.HttpRequest.newBuilder(URI.create(base + "/callback?" + back.getRawQuery()))
        .header("Cookie", "aigc_sign_in=" + flow.getValue()).GET().build(), HttpResponse.BodyHandlers.ofString());
    return "aigc_session=" + cookie(callback, "aigc_session").getValue();
  }

  private static HttpCookie cookie(HttpResponse<?> response, String name) {
    String header = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    return HttpCookie.parse("Set-Cookie: " + header).get(0);
  }

  /** A request from the dashboard: the session cookie, and for writes the gateway's own Origin. */
  private HttpResponse<String> send(String method, String path, String cookie, String body) throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) request.header("Cookie", cookie);
    if (body != null) request.header("Origin", ORIGIN).header("Content-Type", "application/json");
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
