package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.gateway.GatewayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /auth over real HTTP, deciding from an informer-fed directory of the instances the operator runs. */
class GatewayAuthIT extends OperatorTestBase {
  private AuthGateway gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stopGateway() throws Exception {
    if (gateway != null) gateway.close();
  }

  /** /auth as ingress-nginx calls it with the operator's auth-url: {@code routedHost} is what $server_name expanded to. */
  private HttpResponse<String> auth(String routedHost, String originalUrl, String user) throws Exception {
    return get("/auth" + (routedHost == null ? "" : "?host=" + routedHost),
        originalUrl == null ? Map.of() : Map.of("X-Original-URL", originalUrl), user);
  }

  private HttpResponse<String> get(String pathAndQuery, Map<String, String> headers, String user) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port + pathAndQuery)).GET();
    headers.forEach(request::header);
    if (user != null) request.header("Cookie", gateway.cookie(user));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private double refusals(String reason) {
    var counter = gateway.telemetry.registry().find("aigc.auth.routing.refusals").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private String runningUrl(String name, String owner) {
    install(name, owner);
    return awaitPhase(name, InstancePhase.Running).getStatus().getUrl();
  }

  @Test
  void onlyTheOwnerOfARunningInstanceGetsThroughToItsHost() throws Exception {
    gateway = new AuthGateway(cluster);
    applyExampleTemplate();
    String url = runningUrl("alice-sd", "alice");
    String host = URI.create(url).getHost();

    await().atMost(WAIT).until(() -> auth(host, url + "sdapi/v1/options", "alice").statusCode() == 200);
    HttpResponse<String> allowed = auth(host, url, "alice");
    assertThat(allowed.headers().firstValue("X-Auth-Request-User")).hasValue("alice");
    assertThat(allowed.headers().firstValue("X-Auth-Request-Email")).hasValue("alice@example.com");
    assertThat(auth(host, url, "bob").statusCode()).isEqualTo(403);
    assertThat(auth(host, url, null).statusCode()).as("no session: nginx sends the browser to sign in").isEqualTo(401);
    assertThat(auth(host, null, "alice").statusCode()).isEqualTo(403);

    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    await().atMost(WAIT).until(() -> auth(host, url, "alice").statusCode() == 403);
  }

  /** The browser sends every cookie of the instance domain; only the one named aigc_session is a session. */
  @Test
  void theSessionIsFoundAmongTheDomainsOtherCookiesAndOnlyUnderItsOwnName() throws Exception {
    gateway = new AuthGateway(cluster);
    applyExampleTemplate();
    String url = runningUrl("alice-sd", "alice");
    String host = URI.create(url).getHost();
    String alice = gateway.cookie("alice"); // aigc_session=<sealed>
    String sealed = alice.substring(alice.indexOf('=') + 1);
    await().atMost(WAIT).until(() -> withCookies(host, url, alice) == 200);

    assertThat(withCookies(host, url, "theme=dark; " + alice + "; _ga=GA1.2.3")).isEqualTo(200);
    assertThat(withCookies(host, url, "theme=dark;" + alice)).as("no space after the separator").isEqualTo(200);
    assertThat(withCookies(host, url, "aigc_session=stale; " + alice)).as("a stale copy first, e.g. host-only").isEqualTo(200);
    assertThat(withCookies(host, url, "my_aigc_session=" + sealed)).as("another cookie whose name ends the same").isEqualTo(401);
    assertThat(withCookies(host, url, "theme=aigc_session=" + sealed)).as("inside another cookie's value").isEqualTo(401);
    assertThat(withCookies(host, url, "aigc_session=" + sealed.substring(1))).isEqualTo(401);
    // a browser sends at most a host-only and a domain copy; each value tried costs a decryption on
    // the event loop, so a header packed with forged copies is read no further than the third
    String forged = "aigc_session=" + sealed.substring(0, sealed.length() - 2) + "AA; ";
    assertThat(withCookies(host, url, forged + forged + alice)).as("the third copy").isEqualTo(200);
    assertThat(withCookies(host, url, forged.repeat(3) + alice)).as("the fourth copy").isEqualTo(401);
  }

  private int withCookies(String host, String url, String cookies) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port + "/auth?host=" + host))
        .header("X-Original-URL", url).header("Cookie", cookies).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void inNginxModeTheRoutedHostDecidesAndARequestForAnotherHostOrWithoutOneIsRefusedAndCounted() throws Exception {
    gateway = new AuthGateway(cluster);
    applyExampleTemplate();
    String aliceUrl = runningUrl("alice-sd", "alice");
    String bobUrl = runningUrl("bob-sd", "bob");
    String aliceHost = URI.create(aliceUrl).getHost();
    await().atMost(WAIT).until(() -> auth(aliceHost, aliceUrl, "alice").statusCode() == 200);

    // nginx routed to alice's server block; bob's Host header named his own host
    assertThat(auth(aliceHost, bobUrl, "bob").statusCode()).isEqualTo(403);
    assertThat(auth(aliceHost, bobUrl, null).statusCode()).as("refused, not sent to sign in").isEqualTo(403);
    assertThat(auth(aliceHost, bobUrl, "alice").statusCode()).as("whoever asks").isEqualTo(403);
    assertThat(refusals("host_mismatch")).isEqualTo(3);

    assertThat(auth(aliceHost.toUpperCase(java.util.Locale.ROOT), "http://" + aliceHost + ".:80/", "alice").statusCode())
        .as("the same host in other spellings").isEqualTo(200);
    assertThat(auth(aliceHost + "&host=" + URI.create(bobUrl).getHost(), bobUrl, "bob").statusCode())
        .as("two routed hosts").isEqualTo(403);
    assertThat(auth("$server_name", aliceUrl, "alice").statusCode()).as("an unexpanded variable").isEqualTo(403);
    assertThat(auth(null, aliceUrl, "alice").statusCode()).as("an auth-url the operator did not render").isEqualTo(403);
    assertThat(refusals("no_routed_host")).isEqualTo(3);
    assertThat(refusals("host_mismatch")).isEqualTo(3);
    assertThat(gateway.telemetry.registry().find("aigc.auth.decisions").tag("result", "forbidden").counter().count())
        .as("refusals are forbidden answers too").isGreaterThanOrEqualTo(6);

    assertThat(get("/auth?host=" + aliceHost, Map.of("X-Forwarded-Proto", "http", "X-Forwarded-Host", aliceHost), "alice").statusCode())
        .as("Traefik's headers are not read in NGINX mode").isEqualTo(403);
  }

  /**
   * Traefik's ForwardAuth (pkg/middlewares/auth/forward.go, writeHeader) sets X-Forwarded-Host from
   * the request's Host, which is what its Host rule routes by (Go takes it from an absolute-form
   * request line over the Host header): in this mode that header is the routed host, and a host
   * parameter, when a per-router middleware's address carries one, must agree with it.
   */
  @Test
  void inTraefikModeTheForwardedHostDecidesAndARoutedHostInTheAddressMustAgree() throws Exception {
    gateway = new AuthGateway(cluster, GatewayServer.ProxyMode.TRAEFIK);
    applyExampleTemplate();
    String aliceHost = URI.create(runningUrl("alice-sd", "alice")).getHost();
    String bobHost = URI.create(runningUrl("bob-sd", "bob")).getHost();
    Map<String, String> toAlice = Map.of("X-Forwarded-Proto", "https", "X-Forwarded-Host", aliceHost, "X-Forwarded-Uri", "/x?y=1");

    await().atMost(WAIT).until(() -> get("/auth", toAlice, "alice").statusCode() == 200);
    assertThat(get("/auth", toAlice, "bob").statusCode()).isEqualTo(403);
    assertThat(get("/auth", toAlice, null).statusCode()).isEqualTo(401);
    assertThat(get("/auth", Map.of("X-Original-URL", "http://" + aliceHost + "/"), "alice").statusCode())
        .as("ingress-nginx's header is not read in TRAEFIK mode").isEqualTo(403);

    assertThat(get("/auth?host=" + aliceHost, toAlice, "alice").statusCode()).isEqualTo(200);
    assertThat(get("/auth?host=" + bobHost, toAlice, "alice").statusCode())
        .as("a per-router middleware for bob's host, with a forwarded host of alice's").isEqualTo(403);
    assertThat(refusals("host_mismatch")).isEqualTo(1);
    assertThat(refusals("no_routed_host")).as("not required in this mode").isZero();
  }
}
