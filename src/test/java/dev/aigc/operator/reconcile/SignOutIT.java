package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionRevocations;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sign-out ends a session on every gateway replica: two gateways on one cluster, sharing session keys
 * as the replicas of one Deployment do, and a copy of the session cookie taken before sign-out.
 */
class SignOutIT extends OperatorTestBase {
  private static final String ORIGIN = "https://aigc.example.test";
  private static final String CLIENT = "aigc-gateway";
  private static final SessionRevocations.Location REVOKED = new SessionRevocations.Location("aigc-system", "aigc-revoked-sessions");
  /** "Within a few seconds": the other replica learns of a sign-out through its watch. */
  private static final Duration FEW_SECONDS = Duration.ofSeconds(5);

  private MockOAuth2Server oidc;
  private final List<byte[]> sessionKeys = new ArrayList<>();
  private final List<Gateway> gateways = new ArrayList<>();
  private final Telemetry firstTelemetry = Telemetry.inMemory();
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void startProvider() {
    oidc = new MockOAuth2Server();
    oidc.start();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    sessionKeys.add(key);
  }

  @AfterEach
  void stopGateways() throws Exception {
    for (Gateway gateway : gateways) gateway.close();
    oidc.shutdown();
  }

  /** One gateway replica, as `run --only gateway` starts it, on this test's cluster. */
  private String startGateway(Telemetry telemetry) throws Exception {
    GatewaySettings settings = new GatewaySettings(ORIGIN, "example.test", "127.0.0.1", 0, Duration.ofHours(8), false,
        GatewayServer.ProxyMode.NGINX);
    OidcSettings oidcSettings = new OidcSettings(oidc.issuerUrl("default").toString(), CLIENT, "not-a-real-secret",
        ORIGIN + "/callback", "sub", "groups", "aigc-admins");
    Gateway gateway = Gateway.start(cluster.newClient(b -> { }), settings, oidcSettings, sessionKeys, telemetry, Set.of(), REVOKED);
    gateways.add(gateway);
    await().atMost(WAIT).until(gateway::ready);
    return "http://127.0.0.1:" + gateway.port();
  }

  @Test
  void aCopiedCookieIsRefusedByEveryReplicaAfterSignOutAndAGetChangesNothing() throws Exception {
    String first = startGateway(firstTelemetry);
    String second = startGateway(Telemetry.inMemory());
    applyExampleTemplate();
    install("alice-sd", "alice");
    String url = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getUrl();

    String cookie = "aigc_session=" + signIn(first, "alice").getValue();
    String copied = cookie; // what someone who took the cookie holds
    for (String gateway : List.of(first, second)) {
      await().atMost(WAIT).until(() -> auth(gateway, url, copied) == 200);
      assertThat(get(gateway, "/api/v1/me", copied).statusCode()).isEqualTo(200);
    }

    // GET only asks: a link or an image in someone else's page signs nobody out
    HttpResponse<String> confirm = get(first, "/sign-out", cookie);
    assertThat(confirm.statusCode()).isEqualTo(200);
    assertThat(confirm.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(confirm.body()).contains("<form method=\"post\" action=\"/sign-out\">");
    assertThat(confirm.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p).contains("frame-ancestors 'none'"));
    assertThat(confirm.headers().allValues("Set-Cookie")).isEmpty();
    // a POST from another origin, or one that does not say its origin, is refused as REST writes are
    assertThat(post(first, "/sign-out", cookie, "https://evil.test").statusCode()).isEqualTo(403);
    assertThat(post(first, "/sign-out", cookie, null).statusCode()).isEqualTo(403);
    assertThat(kubectl.configMaps().inNamespace(REVOKED.namespace()).withName(REVOKED.name()).get())
        .as("nothing was revoked").isNull();
    for (String gateway : List.of(first, second)) {
      assertThat(auth(gateway, url, copied)).as("still signed in at " + gateway).isEqualTo(200);
    }

    HttpResponse<String> signOut = post(first, "/sign-out", cookie, ORIGIN);
    assertThat(signOut.statusCode()).isEqualTo(303);
    assertThat(signOut.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("aigc_session=;") && c.contains("Max-Age=0"));

    assertThat(auth(first, url, copied)).as("the replica that signed out refuses it at once").isEqualTo(401);
    assertThat(get(first, "/api/v1/me", copied).statusCode()).isEqualTo(401);
    await().atMost(FEW_SECONDS).until(() -> auth(second, url, copied) == 401);
    assertThat(get(second, "/api/v1/me", copied).statusCode()).isEqualTo(401);

    ConfigMap record = kubectl.configMaps().inNamespace(REVOKED.namespace()).withName(REVOKED.name()).get();
    assertThat(record.getData()).as("one entry: the session's ID and its expiry").hasSize(1);
    long expiry = Long.parseLong(record.getData().values().iterator().next());
    assertThat(expiry).isBetween(System.currentTimeMillis() / 1000 + Duration.ofHours(7).toSeconds(),
        System.currentTimeMillis() / 1000 + Duration.ofHours(8).toSeconds() + 1);
    assertThat(firstTelemetry.registry().find("aigc.session.revocations").tag("result", "recorded").counter().count()).isEqualTo(1);

    String third = startGateway(Telemetry.inMemory());
    assertThat(auth(third, url, copied)).as("a replica started later reads the record before it is ready").isEqualTo(401);

    String again = "aigc_session=" + signIn(second, "alice").getValue();
    assertThat(auth(first, url, again)).as("a new sign-in is a new session").isEqualTo(200);
  }

  @Test
  void aSignOutThatCannotBeRecordedSaysSoAndThisReplicaStillRefusesTheSession() throws Exception {
    String first = startGateway(firstTelemetry);
    String second = startGateway(Telemetry.inMemory());
    String cookie = "aigc_session=" + signIn(first, "alice").getValue();
    // the API server refuses the gateway (a Role missing, say): fabric8 reads the object before it patches it
    cluster.server().expect().get().withPath("/api/v1/namespaces/" + REVOKED.namespace() + "/configmaps/" + REVOKED.name())
        .andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(403).withReason("Forbidden")
            .withMessage("configmaps is forbidden").build())
        .always();

    HttpResponse<String> signOut = post(first, "/sign-out", cookie, ORIGIN);
    assertThat(signOut.statusCode()).isEqualTo(503);
    assertThat(signOut.body()).contains("Signed out of this browser only");
    assertThat(signOut.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("aigc_session=;"));
    assertThat(get(first, "/api/v1/me", cookie).statusCode()).as("this replica knows").isEqualTo(401);
    assertThat(get(second, "/api/v1/me", cookie).statusCode()).as("the other does not, as the page says").isEqualTo(200);
    assertThat(firstTelemetry.registry().find("aigc.session.revocations").tag("result", "failed").counter().count()).isEqualTo(1);
  }

  /** Signs in at {@code gateway} as a browser would, and returns the session cookie. */
  private HttpCookie signIn(String gateway, String user) throws Exception {
    oidc.enqueueCallback(new DefaultOAuth2TokenCallback("default", user, "JWT", List.of(CLIENT), Map.of(), 3600));
    HttpResponse<String> start = get(gateway, "/sign-in", null);
    HttpCookie flow = cookie(start, "aigc_sign_in");
    HttpResponse<String> provider = http.send(HttpRequest.newBuilder(URI.create(start.headers().firstValue("Location").orElseThrow()))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    URI back = URI.create(provider.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> callback = get(gateway, "/callback?" + back.getRawQuery(), "aigc_sign_in=" + flow.getValue());
    assertThat(callback.statusCode()).as(callback.body()).isEqualTo(302);
    return cookie(callback, "aigc_session");
  }

  private static HttpCookie cookie(HttpResponse<?> response, String name) {
    String header = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    return HttpCookie.parse("Set-Cookie: " + header).get(0);
  }

  /** /auth as ingress-nginx calls it for the instance at {@code url}. */
  private int auth(String gateway, String url, String cookie) throws Exception {
    String host = URI.create(url).getHost();
    return http.send(HttpRequest.newBuilder(URI.create(gateway + "/auth?host=" + host)).header("X-Original-URL", url)
        .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpResponse<String> get(String gateway, String path, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path)).GET();
    if (cookie != null) request.header("Cookie", cookie);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String gateway, String path, String cookie, String origin) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path)).POST(HttpRequest.BodyPublishers.noBody())
        .header("Content-Type", "application/x-www-form-urlencoded");
    if (cookie != null) request.header("Cookie", cookie);
    if (origin != null) request.header("Origin", origin);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
