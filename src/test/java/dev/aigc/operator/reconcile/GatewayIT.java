package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.Catalog;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.OidcProvider;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionCodec;
import io.vertx.core.Vertx;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sign-in through a real OIDC provider (mock-oauth2-server) and the REST API over the running operator. */
class GatewayIT extends OperatorTestBase {
  private static final String ORIGIN = "https://aigc.example.test";
  private static final String CLIENT = "aigc-gateway";
  private static final ObjectMapper JSON = new ObjectMapper();

  private MockOAuth2Server oidc;
  private Vertx vertx;
  private GatewayServer gateway;
  private Catalog catalog;
  private String base;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void startGateway() throws Exception {
    oidc = new MockOAuth2Server();
    oidc.start();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionCodec sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    GatewaySettings settings = new GatewaySettings(ORIGIN, "example.test", "127.0.0.1", 0, Duration.ofHours(8), false,
        GatewayServer.ProxyMode.NGINX);
    OidcSettings oidcSettings = new OidcSettings(oidc.issuerUrl("default").toString(), CLIENT, "not-a-real-secret",
        ORIGIN + "/callback", "sub", "groups", "aigc-admins");
    OidcProvider provider = OidcProvider.discover(oidcSettings, HttpClient.newHttpClient());
    InstanceDirectory directory = new InstanceDirectory();
    catalog = new Catalog(cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("held", held))), directory);
    vertx = Vertx.vertx();
    gateway = new GatewayServer(vertx, settings, sessions, new AuthDecider(directory, Clock.systemUTC()), provider, catalog);
    base = "http://127.0.0.1:" + gateway.start("127.0.0.1", 0);
    applyExampleTemplate();
    await().atMost(WAIT).until(() -> catalog.synced() && !catalog.templates().isEmpty());
  }

  @AfterEach
  void stopGateway() throws Exception {
    gateway.close();
    catalog.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    oidc.shutdown();
  }

  /** Signs in as {@code user} the way a browser would, and returns the session cookie. */
  private HttpCookie signIn(String user, Map<String, Object> claims, String rd) throws Exception {
    oidc.enqueueCallback(new DefaultOAuth2TokenCallback("default", user, "JWT", List.of(CLIENT), claims, 3600));
    HttpResponse<String> start = get("/sign-in?rd=" + rd, null);
    assertThat(start.statusCode()).isEqualTo(302);
    HttpCookie flow = cookie(start, "aigc_sign_in");
    String authorize = start.headers().firstValue("Location").orElseThrow();
    assertThat(authorize).contains("code_challenge_method=S256").contains("nonce=").contains("state=");
    HttpResponse<String> provider = http.send(HttpRequest.newBuilder(URI.create(authorize)).GET().build(), HttpResponse.BodyHandlers.ofString());
    URI back = URI.create(provider.headers().firstValue("Location").orElseThrow());
    assertThat(back.toString()).startsWith(ORIGIN + "/callback");
    HttpResponse<String> callback = get("/callback?" + back.getRawQuery(), "aigc_sign_in=" + flow.getValue());
    assertThat(callback.statusCode()).as(callback.body()).isEqualTo(302);
    lastRedirect = callback.headers().firstValue("Location").orElseThrow();
    return cookie(callback, "aigc_session");
  }

  private String lastRedirect;

  /**
   * Holds the gateway's writes to one instance (requests whose path ends in {@code /<name>}) on the
   * thread that makes them, until released: a Kubernetes call that is slow for one user.
   */
  static final class Held implements io.fabric8.kubernetes.client.http.Interceptor {
    volatile String name;
    final java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void before(io.fabric8.kubernetes.client.http.BasicBuilder builder, io.fabric8.kubernetes.client.http.HttpRequest request,
        RequestTags tags) {
      if (name == null || request.method().equals("GET") || !request.uri().getPath().endsWith("/" + name)) return;
      arrived.countDown();
      try {
        released.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final Held held = new Held();

  @Test
  void signingInSetsAHardenedDomainCookieAndReturnsToAnAllowedPlace() throws Exception {
    HttpCookie session = signIn("alice", Map.of("email", "alice@example.test"), "http://instances0-cpu.example.test/");
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSecure()).isTrue();
    assertThat(session.getDomain()).isIn("example.test", ".example.test");
    assertThat(lastRedirect).isEqualTo("http://instances0-cpu.example.test/");
    assertThat(rawSetCookie).contains("SameSite=Lax");

    signIn("alice", Map.of(), "https://evil.test/");
    assertThat(lastRedirect).isEqualTo(ORIGIN + "/");

    JsonNode me = JSON.readTree(get("/api/v1/me", "aigc_session=" + session.getValue()).body());
    assertThat(me.path("user").asText()).isEqualTo("alice");

    HttpCookie noEmail = signIn("bob", Map.of(), "http://instances0-cpu.example.test/");
    JsonNode bob = JSON.readTree(get("/api/v1/me", "aigc_session=" + noEmail.getValue()).body());
    assertThat(bob.path("email").isNull()).as("a missing email is null, not the string \"null\": %s", bob).isTrue();
  }

  /**
   * The API reads JSON only: a multipart body is never written to disk, neither before the caller is
   * known (anyone could fill the gateway's disk) nor after.
   */
  @Test
  void aMultipartUploadIsNeverWrittenToDisk() throws Exception {
    java.nio.file.Path uploads = java.nio.file.Path.of(io.vertx.ext.web.handler.BodyHandler.DEFAULT_UPLOADS_DIRECTORY);
    long before = filesIn(uploads);
    String boundary = "aigc-test-boundary";
    String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n" + "x".repeat(10_000) + "\r\n--" + boundary + "--\r\n";
    HttpCookie alice = signIn("alice", Map.of(), ORIGIN + "/");
    for (String cookie : java.util.Arrays.asList(null, "aigc_session=" + alice.getValue())) {
      HttpRequest.Builder upload = HttpRequest.newBuilder(URI.create(base + "/api/v1/instances"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "multipart/form-data; boundary=" + boundary)
          .header("Origin", ORIGIN);
      if (cookie != null) upload.header("Cookie", cookie);
      HttpResponse<String> answer = http.send(upload.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(cookie == null ? "anonymous" : "alice").isBetween(400, 499);
    }
    assertThat(filesIn(uploads)).as("files under " + uploads.toAbsolutePath()).isEqualTo(before);
  }

  private static long filesIn(java.nio.file.Path dir) throws java.io.IOException {
    if (!java.nio.file.Files.isDirectory(dir)) return 0;
    try (var files = java.nio.file.Files.list(dir)) {
      return files.count();
    }
  }

  @Test
  void aCallbackWithAWrongStateIsRefused() throws Exception {
    HttpResponse<String> start = get("/sign-in", null);
    HttpCookie flow = cookie(start, "aigc_sign_in");
    HttpResponse<String> callback = get("/callback?code=abc&state=forged", "aigc_sign_in=" + flow.getValue());
    assertThat(callback.statusCode()).isEqualTo(400);
    assertThat(callback.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("aigc_session=") && !c.startsWith("aigc_session=;"));
    assertThat(get("/callback?code=abc&state=forged", null).statusCode()).isEqualTo(400);
  }

  @Test
  void aUserInstallsStopsStartsAndDeletesTheirOwnInstanceAndNobodyElses() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    String bob = "aigc_session=" + signIn("bob", Map.of(), "/").getValue();

    HttpResponse<String> installed = send("POST", "/api/v1/instances", alice, ORIGIN,
        "{\"template\": \"" + TEMPLATE + "\", \"owner\": \"mallory\"}");
    assertThat(installed.statusCode()).as(installed.body()).isEqualTo(201);
    String name = JSON.readTree(installed.body()).path("name").asText();
    assertThat(instance(name).getSpec().getOwner()).as("owner is the signed-in user, whatever the body says").isEqualTo("alice");
    awaitPhase(name, InstancePhase.Running);

    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}").statusCode())
        .as("one per user and template unless a name is given").isEqualTo(409);

    JsonNode mine = JSON.readTree(get("/api/v1/instances", alice).body()).path("items");
    assertThat(mine).hasSize(1);
    assertThat(mine.get(0).path("phase").asText()).isEqualTo("Running");
    assertThat(JSON.readTree(get("/api/v1/instances", bob).body()).path("items")).isEmpty();
    assertThat(send("POST", "/api/v1/instances/" + NS + "/" + name + "/stop", bob, ORIGIN, "").statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/api/v1/instances/" + NS + "/" + name, bob, ORIGIN, "").statusCode()).isEqualTo(404);

    assertThat(send("POST", "/api/v1/instances/" + NS + "/" + name + "/stop", alice, "https://evil.test", "").statusCode())
        .as("cross-origin").isEqualTo(403);
    assertThat(send("POST", "/api/v1/instances/" + NS + "/" + name + "/stop", alice, null, "").statusCode())
        .as("no Origin").isEqualTo(403);

    assertThat(send("POST", "/api/v1/instances/" + NS + "/" + name + "/stop", alice, ORIGIN, "").statusCode()).isEqualTo(202);
    awaitPhase(name, InstancePhase.Stopped);
    assertThat(send("POST", "/api/v1/instances/" + NS + "/" + name + "/start", alice, ORIGIN, "").statusCode()).isEqualTo(202);
    awaitPhase(name, InstancePhase.Running);

    assertThat(send("DELETE", "/api/v1/instances/" + NS + "/" + name + "?deleteData=true", alice, ORIGIN, "").statusCode()).isEqualTo(204);
    awaitGone(name);
    await().atMost(WAIT).until(() -> disk(0) == null);
  }

  /** The gateway tells a user at once that a template quota holds their instance; the operator still decides. */
  @Test
  void anInstallOrStartBeyondATemplateQuotaIsRefusedWithAMessageTheDashboardShows() throws Exception {
    editTemplate(t -> {
      dev.aigc.operator.api.QuotaSpec quota = new dev.aigc.operator.api.QuotaSpec();
      quota.setMaxRunning(1);
      t.getSpec().getDedicated().setQuota(quota);
    });
    await().atMost(WAIT).until(() -> catalog.templates().stream()
        .anyMatch(t -> t.getSpec().getDedicated().getQuota() != null));
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    String bob = "aigc_session=" + signIn("bob", Map.of(), "/").getValue();
    HttpResponse<String> first = send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    awaitPhase(JSON.readTree(first.body()).path("name").asText(), InstancePhase.Running);
    await().atMost(WAIT).until(() -> catalog.instances().size() == 1);

    HttpResponse<String> second = send("POST", "/api/v1/instances", bob, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}");
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(second.body()).path("error").asText()).isEqualTo("quota_exceeded");
    assertThat(JSON.readTree(second.body()).path("message").asText()).contains("allows 1 running instance", "try again when one stops");
    assertThat(kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).list().getItems()).hasSize(1);
  }

  /** A template on its way out (its finalizer holds it while its instances go) takes no new instances. */
  @Test
  void aTemplateBeingDeletedIsNotOfferedAndTakesNoInstall() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    var template = kubectl.resources(dev.aigc.operator.api.AigcTemplate.class).inNamespace(NS).withName(TEMPLATE);
    await().atMost(WAIT).until(() -> !template.get().getMetadata().getFinalizers().isEmpty());
    // the operator is down: its finalizer holds the template in Deleting
    stopOperator();
    template.delete();
    await().atMost(WAIT).until(() -> catalog.templates().stream().allMatch(t -> t.getMetadata().getDeletionTimestamp() != null));

    assertThat(JSON.readTree(get("/api/v1/templates", alice).body()).path("items")).isEmpty();
    HttpResponse<String> refused = send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("template_deleting");
    assertThat(kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void restartRecreatesThePodOnceWithTheSameIdAndDisk() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    String podUid = kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-0").get().getMetadata().getUid();
    String diskUid = disk(0).getMetadata().getUid();

    assertThat(send("POST", "/api/v1/instances/" + NS + "/alice-sd/restart", alice, ORIGIN, "").statusCode()).isEqualTo(202);

    await().atMost(WAIT).until(() -> {
      var pod = kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-0").get();
      return pod != null && !pod.getMetadata().getUid().equals(podUid);
    });
    var restarted = awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(restarted.getStatus().getInstanceId()).isZero();
    assertThat(restarted.getStatus().getLastRestart())
        .isEqualTo(restarted.getMetadata().getAnnotations().get(dev.aigc.operator.api.AigcInstance.RESTART_ANNOTATION));
    assertThat(disk(0).getMetadata().getUid()).isEqualTo(diskUid);
    String newPod = kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-0").get().getMetadata().getUid();
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() ->
        newPod.equals(kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-0").get().getMetadata().getUid()));
  }

  @Test
  void adminsSeeEveryonesInstancesApartFromTheirOwnAndFilterThemWhileUsersNeverSeeOthers() throws Exception {
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    install("root-sd", "root");
    String admin = "aigc_session=" + signIn("root", Map.of("groups", List.of("aigc-admins")), "/").getValue();
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    assertThat(JSON.readTree(get("/api/v1/me", admin).body()).path("admin").asBoolean()).isTrue();
    await().atMost(WAIT).until(() -> owners("/api/v1/instances?all=true", admin).size() == 3);

    assertThat(owners("/api/v1/instances", admin)).as("an admin's own list is theirs").containsExactly("root");
    assertThat(owners("/api/v1/instances?all=true", admin)).containsExactlyInAnyOrder("alice", "bob", "root");
    assertThat(owners("/api/v1/instances?all=true&owner=bob", admin)).containsExactly("bob");
    assertThat(owners("/api/v1/instances?all=true&template=" + TEMPLATE + "&namespace=" + NS, admin)).hasSize(3);
    assertThat(owners("/api/v1/instances?all=true&template=other", admin)).isEmpty();
    await().atMost(WAIT).until(() -> owners("/api/v1/instances?all=true&phase=Running", admin).size() == 3);
    assertThat(owners("/api/v1/instances?all=true&phase=Stopped", admin)).isEmpty();

    assertThat(owners("/api/v1/instances", alice)).containsExactly("alice");
    HttpResponse<String> refused = get("/api/v1/instances?all=true", alice);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).doesNotContain("bob");
    assertThat(get("/api/v1/instances?all=true&owner=bob", alice).statusCode()).isEqualTo(403);
  }

  private java.util.List<String> owners(String path, String cookie) throws Exception {
    HttpResponse<String> response = get(path, cookie);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    java.util.List<String> owners = new java.util.ArrayList<>();
    JSON.readTree(response.body()).path("items").forEach(i -> owners.add(i.path("owner").asText()));
    return owners;
  }

  @Test
  void bearerTokensOfTheProviderForThisClientAreAcceptedAndOthersAreNot() throws Exception {
    String good = oidc.issueToken("default", "alice", CLIENT, Map.of(), 3600).serialize();
    assertThat(bearer("/api/v1/me", good).statusCode()).isEqualTo(200);
    String wrongAudience = oidc.issueToken("default", "alice", "someone-else", Map.of(), 3600).serialize();
    assertThat(bearer("/api/v1/me", wrongAudience).statusCode()).isEqualTo(401);
    String wrongIssuer = oidc.issueToken("other-issuer", "alice", CLIENT, Map.of(), 3600).serialize();
    assertThat(bearer("/api/v1/me", wrongIssuer).statusCode()).isEqualTo(401);
    String expired = oidc.issueToken("default", "alice", CLIENT, Map.of(), -120).serialize();
    assertThat(bearer("/api/v1/me", expired).statusCode()).isEqualTo(401);
    String[] parts = good.split("\\.");
    String none = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "." + parts[1] + ".";
    assertThat(bearer("/api/v1/me", none).statusCode()).as("alg none").isEqualTo(401);
    assertThat(bearer("/api/v1/me", "garbage").statusCode()).isEqualTo(401);
  }

  @Test
  void theApiNeedsACaller() throws Exception {
    assertThat(get("/api/v1/templates", null).statusCode()).isEqualTo(401);
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    JsonNode templates = JSON.readTree(get("/api/v1/templates", alice).body()).path("items");
    assertThat(templates).hasSize(1);
    assertThat(templates.get(0).path("name").asText()).isEqualTo(TEMPLATE);
    assertThat(templates.get(0).has("app")).as("catalog fields only, no pod spec").isFalse();
    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": 5}").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "not json").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"nope\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void installRefusesANameOrNamespaceThatIsNotAStringAndNamesTheField() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    String template = "\"template\": \"" + TEMPLATE + "\"";
    for (String[] bad : List.of(new String[] {"name", "{" + template + ", \"name\": 5}"},
        new String[] {"name", "{" + template + ", \"name\": {\"x\": 1}}"},
        new String[] {"namespace", "{" + template + ", \"namespace\": [\"" + NS + "\"]}"},
        new String[] {"namespace", "{" + template + ", \"namespace\": true}"},
        new String[] {"template", "{\"template\": 5}"})) {
      HttpResponse<String> r = send("POST", "/api/v1/instances", alice, ORIGIN, bad[1]);
      assertThat(r.statusCode()).as(bad[1]).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).path("message").asText()).as(r.body()).contains("\"" + bad[0] + "\"");
    }
    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\", \"name\": null}").statusCode())
        .as("null is the same as leaving it out").isEqualTo(201);
    assertThat(kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).list().getItems())
        .extracting(i -> i.getMetadata().getName()).containsExactly("alice-" + TEMPLATE);
  }

  @Test
  void oneInstancePerUserAndTemplateWhateverItIsNamed() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    String bob = "aigc_session=" + signIn("bob", Map.of(), "/").getValue();
    HttpResponse<String> first = send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\", \"name\": \"my-sd\"}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);

    HttpResponse<String> underTheDefaultName = send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}");
    assertThat(underTheDefaultName.statusCode()).as(underTheDefaultName.body()).isEqualTo(409);
    assertThat(underTheDefaultName.body()).contains("my-sd");
    assertThat(send("POST", "/api/v1/instances", alice, ORIGIN, "{\"template\": \"" + TEMPLATE + "\", \"name\": \"second\"}").statusCode())
        .isEqualTo(409);
    assertThat(send("POST", "/api/v1/instances", bob, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}").statusCode())
        .as("another user").isEqualTo(201);
    assertThat(kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).list().getItems())
        .extracting(i -> i.getMetadata().getName()).containsExactlyInAnyOrder("my-sd", "bob-" + TEMPLATE);
  }

  @Test
  void oneUsersSlowCallDoesNotDelayAnotherUsersInstallOrStop() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    String bob = "aigc_session=" + signIn("bob", Map.of(), "/").getValue();
    String carol = "aigc_session=" + signIn("carol", Map.of(), "/").getValue();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    await().atMost(WAIT).until(() -> catalog.instance(NS, "alice-sd").isPresent() && catalog.instance(NS, "bob-sd").isPresent());

    held.name = "alice-sd";
    var alicesStop = http.sendAsync(request("POST", "/api/v1/instances/" + NS + "/alice-sd/stop", alice, ORIGIN, ""),
        HttpResponse.BodyHandlers.ofString());
    assertThat(held.arrived.await(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("alice's stop reached the cluster").isTrue();

    try {
      assertThat(send("POST", "/api/v1/instances/" + NS + "/bob-sd/stop", bob, ORIGIN, "").statusCode()).isEqualTo(202);
      assertThat(send("POST", "/api/v1/instances", carol, ORIGIN, "{\"template\": \"" + TEMPLATE + "\"}").statusCode()).isEqualTo(201);
      assertThat(alicesStop).as("bob's and carol's calls were answered while alice's was still held").isNotDone();
    } finally {
      held.released.countDown();
    }
    assertThat(alicesStop.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(202);
  }

  @Test
  void stopAndStartWorkOnAnInstanceWhoseSpecHasNoState() throws Exception {
    String alice = "aigc_session=" + signIn("alice", Map.of(), "/").getValue();
    // as the README's kubectl example creates it: no spec.state (the schema's default is not applied here)
    kubectl.genericKubernetesResources("aigc.dev/v1alpha1", "AigcInstance").inNamespace(NS).resource(
        new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("aigc.dev/v1alpha1").withKind("AigcInstance")
            .withNewMetadata().withName("alice-sd").withNamespace(NS).endMetadata()
            .addToAdditionalProperties("spec", Map.of("template", TEMPLATE, "owner", "alice")).build()).create();
    awaitPhase("alice-sd", InstancePhase.Running);
    await().atMost(WAIT).until(() -> catalog.instance(NS, "alice-sd").isPresent());
    assertThat(kubectl.genericKubernetesResources("aigc.dev/v1alpha1", "AigcInstance").inNamespace(NS).withName("alice-sd").get()
        .getAdditionalProperties().get("spec")).as("the spec as stored").isEqualTo(Map.of("template", TEMPLATE, "owner", "alice"));

    HttpResponse<String> stop = send("POST", "/api/v1/instances/" + NS + "/alice-sd/stop", alice, ORIGIN, "");
    assertThat(stop.statusCode()).as(stop.body()).isEqualTo(202);
    assertThat(JSON.readTree(stop.body()).path("state").asText()).isEqualTo("Stopped");
    awaitPhase("alice-sd", InstancePhase.Stopped);
    HttpResponse<String> start = send("POST", "/api/v1/instances/" + NS + "/alice-sd/start", alice, ORIGIN, "");
    assertThat(start.statusCode()).as(start.body()).isEqualTo(202);
    awaitPhase("alice-sd", InstancePhase.Running);
  }

  private String rawSetCookie;

  private HttpCookie cookie(HttpResponse<?> response, String name) {
    String header = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    rawSetCookie = header;
    return HttpCookie.parse("Set-Cookie: " + header).get(0);
  }

  private HttpResponse<String> get(String path, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (cookie != null) request.header("Cookie", cookie);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> bearer(String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String cookie, String origin, String body) throws Exception {
    return http.send(request(method, path, cookie, origin, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String method, String path, String cookie, String origin, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (cookie != null) request.header("Cookie", cookie);
    if (origin != null) request.header("Origin", origin);
    return request.build();
  }

}
