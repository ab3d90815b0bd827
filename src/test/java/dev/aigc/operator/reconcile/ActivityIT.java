package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.ActivityPublisher;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.Catalog;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.GatewayVertx;
import dev.aigc.operator.gateway.Hosts;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.OidcProvider;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Activity reaches status.lastActivity through two gateway replicas (each with its own client,
 * informers, directory and publisher) over the running operator: a request through either counts,
 * many requests make one write a minute, and a request to a suspended instance wakes it at once.
 * Time is a clock the test moves, shared by the operator and the gateways; the publishers' ticks are
 * called by the test (in the gateway a timer calls them every 5 s).
 */
class ActivityIT extends OperatorTestBase {
  private static final String ORIGIN = "https://aigc.example.test";
  private final MovableClock clock = new MovableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private MockOAuth2Server oidc;
  private Replica a;
  private Replica b;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override public Instant instant() { return now; }
    @Override public ZoneId getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId zone) { return this; }
  }

  /** One gateway replica: /auth and the REST API over its own informers, and its activity publisher. */
  final class Replica implements AutoCloseable {
    /** Run just before this replica's status write is sent, once. */
    volatile Runnable beforeStatusWrite;
    final KubernetesClient client = cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("hook",
        new io.fabric8.kubernetes.client.http.Interceptor() {
          @Override
          public void before(io.fabric8.kubernetes.client.http.BasicBuilder builder, io.fabric8.kubernetes.client.http.HttpRequest request,
              RequestTags tags) {
            Runnable hook = beforeStatusWrite;
            if (hook != null && request.method().equals("PATCH") && request.uri().getPath().endsWith("/status")) {
              beforeStatusWrite = null;
              hook.run();
            }
          }
        })));
    final InstanceDirectory directory = new InstanceDirectory();
    final Catalog catalog = new Catalog(client, directory);
    final Telemetry telemetry = Telemetry.inMemory();
    final ActivityPublisher publisher = new ActivityPublisher(client, directory, telemetry);
    final Vertx vertx = GatewayVertx.create();
    final GatewayServer server;
    final int port;

    Replica(SessionCodec sessions) throws Exception {
      GatewaySettings settings = new GatewaySettings(ORIGIN, "example.test", "127.0.0.1", 0, Duration.ofHours(8), false,
          GatewayServer.ProxyMode.NGINX);
      OidcProvider provider = OidcProvider.discover(new OidcSettings(oidc.issuerUrl("default").toString(), "aigc-gateway",
          "not-a-real-secret", ORIGIN + "/callback", "sub", "groups", "aigc-admins"), HttpClient.newHttpClient());
      server = new GatewayServer(vertx, settings, sessions, new AuthDecider(directory, clock), provider, catalog, telemetry);
      port = server.start("127.0.0.1", 0);
    }

    double writes(String reason) {
      var counter = telemetry.registry().find("aigc.activity.writes").tag("reason", reason).counter();
      return counter == null ? 0 : counter.count();
    }

    double failures() {
      var counter = telemetry.registry().find("aigc.activity.write.failures").counter();
      return counter == null ? 0 : counter.count();
    }

    InstanceDirectory.Entry entry(String host) {
      return directory.lookup(host).orElse(null);
    }

    @Override
    public void close() throws Exception {
      publisher.close();
      server.close();
      catalog.close();
      vertx.close().toCompletionStage().toCompletableFuture().get();
      client.close();
    }
  }

  private SessionCodec sessions;

  @Override
  void startOperator() {
    operatorClient = cluster.newClient(b -> { });
    operator = new AigcOperator(operatorClient, SETTINGS, Telemetry.inMemory(), clock).start();
  }

  @BeforeEach
  void startReplicas() throws Exception {
    oidc = new MockOAuth2Server();
    oidc.start();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    // one key for both replicas, as the chart shares it: a session from either works at both
    sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    a = new Replica(sessions);
    b = new Replica(sessions);
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    IdleSpec idle = new IdleSpec();
    idle.setSuspendAfter("1m");
    template.getSpec().getDedicated().setIdle(idle);
    kubectl.resource(template).create();
  }

  @AfterEach
  void stopReplicas() throws Exception {
    if (a != null) a.close();
    if (b != null) b.close();
    oidc.shutdown();
  }

  private String cookie(String user) {
    return GatewayServer.SESSION_COOKIE + "=" + sessions.seal(user, user + "@example.com", false);
  }

  /** A request of {@code user} to {@code host} as ingress-nginx asks the replica's /auth about it. */
  private int open(Replica replica, String host, String user) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port + "/auth?host=" + host))
        .header("X-Original-URL", "http://" + host + "/").header("Cookie", cookie(user)).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private HttpResponse<String> wake(Replica replica, String name, String user) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port + "/api/v1/instances/" + NS + "/" + name + "/wake"))
        .header("Cookie", cookie(user)).header("Origin", ORIGIN).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String lastActivity(String name) {
    AigcInstance instance = instance(name);
    return instance.getStatus() == null ? null : instance.getStatus().getLastActivity();
  }

  /** Both replicas' informers show what the API server holds of the instance's status. */
  private void awaitReplicasSee(String host, String name) {
    await().atMost(WAIT).until(() -> {
      var status = instance(name).getStatus();
      return List.of(a, b).stream().map(r -> r.entry(host)).allMatch(e -> e != null
          && Objects.equals(e.lastActivity(), status.getLastActivity()) && Objects.equals(e.suspendedAt(), status.getSuspendedAt())
          && e.phase() == status.getPhase());
    });
  }

  private String runningHost(String name) {
    AigcInstance running = awaitPhase(name, InstancePhase.Running);
    return Hosts.ofUrl(running.getStatus().getUrl()).orElseThrow();
  }

  private int tick() {
    return a.publisher.publish() + b.publisher.publish();
  }

  @Test
  void activityThroughEitherReplicaIsPublishedOnceAMinuteWhateverTheRequestRate() throws Exception {
    install("alice-sd", "alice");
    String host = runningHost("alice-sd");
    awaitReplicasSee(host, "alice-sd");

    assertThat(open(b, host, "alice")).isEqualTo(200);
    Instant first = clock.instant();
    assertThat(tick()).isEqualTo(1);
    assertThat(lastActivity("alice-sd")).as("a request through the second replica counts").isEqualTo(first.toString());
    assertThat(b.writes("activity")).isEqualTo(1);

    // three minutes of requests every 2 s, alternating replicas, each replica ticking after each request
    for (int i = 1; i <= 90; i++) {
      clock.advance(Duration.ofSeconds(2));
      assertThat(open(i % 2 == 0 ? a : b, host, "alice")).isEqualTo(200);
      tick();
      awaitReplicasSee(host, "alice-sd");
    }
    assertThat(a.writes("activity") + b.writes("activity")).as("one write a minute for 180 requests").isEqualTo(4);
    assertThat(lastActivity("alice-sd")).isEqualTo(first.plusSeconds(180).toString());
    assertThat(instance("alice-sd").getStatus().getPhase()).as("in use all along: not suspended").isEqualTo(InstancePhase.Running);

    assertThat(open(a, host, "bob")).as("someone else's requests do not count").isEqualTo(403);
    clock.advance(Duration.ofMinutes(2));
    assertThat(open(b, host, "bob")).isEqualTo(403);
    assertThat(tick()).isZero();
  }

  @Test
  void replicasDecidingAtTheSameMomentWriteOnce() throws Exception {
    install("alice-sd", "alice");
    String host = runningHost("alice-sd");
    awaitReplicasSee(host, "alice-sd");
    assertThat(open(a, host, "alice")).isEqualTo(200);
    assertThat(open(b, host, "alice")).isEqualTo(200);
    // B decides, and A decides and writes before B's write goes out: B's is refused, as the object changed since
    AtomicInteger aWrote = new AtomicInteger();
    b.beforeStatusWrite = () -> aWrote.set(a.publisher.publish());
    assertThat(b.publisher.publish()).isZero();
    assertThat(aWrote.get()).isEqualTo(1);
    assertThat(b.failures()).isEqualTo(1);
    awaitReplicasSee(host, "alice-sd");
    assertThat(tick()).as("the refused replica sees the write that landed: nothing left to write").isZero();
    assertThat(lastActivity("alice-sd")).isEqualTo(clock.instant().toString());
  }

  @Test
  void aRequestToASuspendedInstanceThroughEitherReplicaWakesItAtOnce() throws Exception {
    install("alice-sd", "alice");
    String host = runningHost("alice-sd");

    String suspendedAt = suspend("alice-sd");
    awaitReplicasSee(host, "alice-sd");
    assertThat(open(a, host, "bob")).isEqualTo(403);
    assertThat(tick()).as("nobody else wakes it").isZero();

    clock.advance(Duration.ofSeconds(1));
    assertThat(open(a, host, "alice")).as("the owner reaches a suspended instance").isEqualTo(200);
    assertThat(a.publisher.publish()).as("written at the first tick").isEqualTo(1);
    assertThat(a.publisher.publish()).as("not again").isZero();
    assertThat(a.writes("wake")).isEqualTo(1);
    assertThat(Instant.parse(lastActivity("alice-sd"))).isAfter(Instant.parse(suspendedAt));
    runningHost("alice-sd");

    // suspended again; this time the dashboard's Open, through the other replica's REST API
    suspendedAt = suspend("alice-sd");
    awaitReplicasSee(host, "alice-sd");
    assertThat(wake(b, "alice-sd", "bob").statusCode()).as("another user's wake: no such instance").isEqualTo(404);
    assertThat(tick()).isZero();
    HttpResponse<String> woken = wake(b, "alice-sd", "alice");
    assertThat(woken.statusCode()).as(woken.body()).isEqualTo(202);
    assertThat(woken.body()).contains("\"phase\":\"Suspended\"").contains("\"suspendedAt\":\"" + suspendedAt + "\"");
    assertThat(tick()).as("one write, by the replica that was asked").isEqualTo(1);
    assertThat(b.writes("wake")).isEqualTo(1);
    assertThat(Instant.parse(lastActivity("alice-sd"))).isAfter(Instant.parse(suspendedAt));
    runningHost("alice-sd");
  }

  /** Moves time past the idle limit and lets the operator look: returns status.suspendedAt. */
  private String suspend(String name) {
    clock.advance(Duration.ofMinutes(10));
    // any change brings the instance to the operator (its events are not generation-filtered)
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"test/poke\":\"" + clock.instant() + "\"}}}");
    return awaitPhase(name, InstancePhase.Suspended).getStatus().getSuspendedAt();
  }
}
