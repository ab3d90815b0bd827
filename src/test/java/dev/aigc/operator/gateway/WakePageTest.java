package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway as ingress-nginx's default backend: requests shaped as nginx hands over an instance
 * Ingress's 503 (X-Code, X-Namespace, X-Ingress-Name, the instance's Host, any path), sent straight
 * to the gateway, as anyone in the cluster could send them.
 */
class WakePageTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final String ALICE_HOST = "instances0-cpu.example.test";

  private final InstanceDirectory directory = new InstanceDirectory();
  private Vertx vertx;
  private GatewayServer gateway;
  private SessionCodec sessions;
  private String base;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  static AigcInstance instance(String name, String owner, int id, InstancePhase phase) {
    AigcInstance i = AuthDeciderTest.instance(name, owner, "http://instances" + id + "-cpu.example.test/", phase);
    i.getStatus().setGameServer("stable-diffusion-cpu-" + id);
    i.getStatus().setInstanceId(id);
    if (phase == InstancePhase.Suspended) i.getStatus().setSuspendedAt("2026-11-22T09:00:00Z");
    var ready = new io.fabric8.kubernetes.api.model.Condition();
    ready.setType("Ready");
    ready.setStatus(phase == InstancePhase.Running ? "True" : "False");
    ready.setMessage(phase == InstancePhase.Suspended ? "suspended <after 30m> without use" : "the app is ready");
    i.getStatus().setConditions(List.of(ready));
    return i;
  }

  @BeforeEach
  void start() throws Exception {
    directory.upsert(instance("alice-sd", "alice", 0, InstancePhase.Suspended));
    directory.upsert(instance("mallory-sd", "mallory", 1, InstancePhase.Suspended));
    directory.upsert(instance("alice-busy", "alice", 2, InstancePhase.Running));
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    vertx = Vertx.vertx();
    gateway = new GatewayServer(vertx, new GatewaySettings("https://aigc.example.test", "example.test", "127.0.0.1", 0,
        Duration.ofHours(8), false, GatewayServer.ProxyMode.NGINX), sessions,
        new AuthDecider(directory, Clock.fixed(NOW, ZoneOffset.UTC)), null, null);
    base = "http://127.0.0.1:" + gateway.start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  private HttpResponse<String> handedOver(String ingress, String host, String path, String user, String accept) throws Exception {
    return handedOver(ingress, host, path, user, accept, java.util.Map.of());
  }

  private HttpResponse<String> handedOver(String ingress, String host, String path, String user, String accept,
      java.util.Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET()
        .header("X-Code", "503").header("X-Namespace", "team-a").header("X-Ingress-Name", ingress)
        .header("X-Service-Name", ingress).header("X-Service-Port", "7860");
    if (host != null) request.header("Host", host);
    headers.forEach(request::header);
    if (accept != null) request.header("X-Format", accept);
    if (user != null) request.header("Cookie", GatewayServer.SESSION_COOKIE + "=" + sessions.seal(user, user + "@example.com", false));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static {
    // the Host header is what nginx sends ($best_http_host); the JDK client sends it only when allowed
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  @Test
  void theOwnerWakesHerSuspendedInstanceAndGetsAStartingPageThatReloadsItself() throws Exception {
    HttpResponse<String> page = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/txt2img?prompt=dog", "alice", "text/html");
    assertThat(page.statusCode()).isEqualTo(503);
    assertThat(page.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'none'").doesNotContain("unsafe-inline").doesNotContain("script-src"));
    assertThat(page.body()).contains("Starting your instance alice-sd", "<meta http-equiv=\"refresh\" content=\"2\">", "Suspended")
        .contains("suspended &lt;after 30m&gt; without use").doesNotContain("<script");
    assertThat(directory.lastAccess()).containsEntry("team-a/alice-sd", NOW);
  }

  /**
   * A link or redirect on another site (the browser says Sec-Fetch-Site: cross-site, and sends her
   * SameSite=Lax cookie along) does not spend alice's GPU: she gets a page with a link, and her click
   * on it (a same-origin navigation) wakes the instance.
   */
  @Test
  void aNavigationFromAnotherSiteDoesNotWakeItAndHerClickOnTheLinkDoes() throws Exception {
    var crossSite = java.util.Map.of("Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate");
    HttpResponse<String> page = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/txt2img", "alice", "text/html",
        java.util.Map.of("Sec-Fetch-Site", "cross-site", "X-Original-URI", "/txt2img?prompt=dog&x=\"<1>"));
    assertThat(page.statusCode()).isEqualTo(503);
    assertThat(page.headers().firstValue("Retry-After")).isEmpty();
    assertThat(page.body()).contains("Your instance alice-sd is suspended", "<a href=\"/txt2img?prompt=dog&amp;x=&quot;&lt;1&gt;\">")
        .doesNotContain("http-equiv=\"refresh\"").doesNotContain("<script");
    assertThat(directory.lastAccess()).as("not woken").isEmpty();
    JsonObject json = new JsonObject(handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "alice", "application/json", crossSite).body());
    assertThat(json.getString("status")).isEqualTo("suspended");
    assertThat(directory.lastAccess()).isEmpty();

    // the link stays on the instance's host, whatever path nginx reports
    for (String path : List.of("//evil.example/x", "/\\evil.example/x", "/\t/evil.example/x", "https://evil.example/")) {
      HttpResponse<String> odd = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "alice", "text/html",
          java.util.Map.of("Sec-Fetch-Site", "cross-site", "X-Original-URI", path));
      assertThat(odd.body()).as(path).contains("<a href=\"/\">").doesNotContain("evil");
    }

    // a page on another host under the same domain is no more hers than another site's
    assertThat(handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "alice", "text/html", java.util.Map.of("Sec-Fetch-Site", "same-site"))
        .body()).contains("Your instance alice-sd is suspended");
    assertThat(directory.lastAccess()).isEmpty();

    HttpResponse<String> clicked = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/txt2img?prompt=dog", "alice", "text/html",
        java.util.Map.of("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate"));
    assertThat(clicked.body()).contains("Starting your instance alice-sd", "http-equiv=\"refresh\"");
    assertThat(directory.lastAccess()).containsEntry("team-a/alice-sd", NOW);
  }

  /**
   * The dashboard's Open asks for the wake through the API, then opens the URL from the gateway's host
   * (same-site or cross-site): that navigation gets the starting page, not the page with a link.
   */
  @Test
  void aNavigationFromElsewhereAfterTheWakeWasAskedForGetsTheStartingPage() throws Exception {
    AigcInstance asked = instance("alice-sd", "alice", 0, InstancePhase.Suspended);
    asked.getStatus().setLastActivity("2026-11-22T09:30:00Z"); // another replica published the wake
    directory.upsert(asked);
    for (String site : List.of("same-site", "cross-site")) {
      HttpResponse<String> page = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "alice", "text/html",
          java.util.Map.of("Sec-Fetch-Site", site));
      assertThat(page.body()).as(site).contains("Starting your instance alice-sd", "http-equiv=\"refresh\"");
    }
    assertThat(directory.lastAccess()).as("asked already: nothing more to record").isEmpty();
  }

  @Test
  void aForgedIngressNameGetsMalloryA403AndLeavesAlicesInstanceAsleep() throws Exception {
    HttpResponse<String> forged = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "mallory", null);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).doesNotContain("alice");
    assertThat(directory.lastAccess()).doesNotContainKey("team-a/alice-sd");

    HttpResponse<String> unknown = handedOver("stable-diffusion-cpu-9", ALICE_HOST, "/", "mallory", null);
    assertThat(unknown.statusCode()).isEqualTo(403);
    assertThat(unknown.body()).as("an unknown ingress reads as another user's").isEqualTo(forged.body());

    assertThat(handedOver("stable-diffusion-cpu-1", "instances1-cpu.example.test", "/", "mallory", null).statusCode())
        .as("at most mallory wakes her own").isEqualTo(503);
    assertThat(directory.lastAccess()).containsOnlyKeys("team-a/mallory-sd");
  }

  @Test
  void withoutASessionTheBrowserIsSentToSignInAndBackToTheUrlItAskedFor() throws Exception {
    HttpResponse<String> anonymous = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/txt2img?prompt=a%20dog&x=1", null, null);
    assertThat(anonymous.statusCode()).isEqualTo(302);
    String location = anonymous.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith("https://aigc.example.test/sign-in?rd=");
    assertThat(URLDecoder.decode(location.substring(location.indexOf("rd=") + 3), StandardCharsets.UTF_8))
        .isEqualTo("https://" + ALICE_HOST + "/txt2img?prompt=a%20dog&x=1");
    assertThat(directory.lastAccess()).isEmpty();

    HttpResponse<String> elsewhere = handedOver("stable-diffusion-cpu-0", "evil.example.com", "/", null, null);
    assertThat(URLDecoder.decode(elsewhere.headers().firstValue("Location").orElseThrow(), StandardCharsets.UTF_8))
        .as("a host outside the instance domain is no place to send the browser back to")
        .isEqualTo("https://aigc.example.test/sign-in?rd=https://aigc.example.test/");
  }

  @Test
  void aRunningInstanceWhoseAppAnswered503GetsABusyPageAndIsNotTouched() throws Exception {
    HttpResponse<String> busy = handedOver("stable-diffusion-cpu-2", "instances2-cpu.example.test", "/api", "alice", null);
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.body()).contains("busy").doesNotContain("Starting");
    assertThat(directory.lastAccess()).isEmpty();
  }

  @Test
  void aClientAskingForJsonGetsJson() throws Exception {
    HttpResponse<String> starting = handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/sdapi/v1/txt2img", "alice", "application/json");
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(starting.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject body = new JsonObject(starting.body());
    assertThat(body.getString("status")).isEqualTo("starting");
    assertThat(body.getString("phase")).isEqualTo("Suspended");
    assertThat(body.getInteger("retryAfter")).isEqualTo(2);
    assertThat(new JsonObject(handedOver("stable-diffusion-cpu-0", ALICE_HOST, "/", "mallory", "application/json").body())
        .getString("error")).isEqualTo("forbidden");
  }

  @Test
  void requestsWithoutNginxsHeadersAreNotWakePages() throws Exception {
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).header("X-Code", "503").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(directory.lastAccess()).isEmpty();
  }
}
