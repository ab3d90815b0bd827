package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.sandbox.MockCluster;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens are verified against keys held in memory: the provider (mock-oauth2-server) rotates
 * its signing key and its key endpoint hangs, and /auth and the API still answer at once, refusing
 * the new key until the background refresh lands; made-up key IDs cannot make the gateway fetch more
 * than once per interval.
 */
class BearerKeysIT {
  private static final String CLIENT = "aigc-gateway";
  private static final String HOST = "instances0-cpu.example.test";
  private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
  /** A request that waited for the provider would wait far longer: the fetch is held until released. */
  private static final Duration ANSWERS_WITHIN = Duration.ofSeconds(2);

  private final RotatingKeys keys = new RotatingKeys();
  private MockOAuth2Server oidc;
  private MockCluster cluster;
  private Catalog catalog;
  private OidcProvider provider;
  private Vertx vertx;
  private GatewayServer gateway;
  private String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    oidc = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(keys), Set.of(),
        new MockWebServerWrapper()));
    oidc.start();
    cluster = MockCluster.start();
    InstanceDirectory directory = new InstanceDirectory();
    directory.upsert(AuthDeciderTest.instance("alice-sd", "alice", "http://" + HOST + "/", InstancePhase.Running));
    catalog = new Catalog(cluster.newClient(b -> { }), directory);
    provider = OidcProvider.discover(new OidcSettings(oidc.issuerUrl("default").toString(), CLIENT, "not-a-real-secret",
        "https://aigc.example.test/callback", "sub", "groups", "aigc-admins"), HttpClient.newHttpClient(), Duration.ofMinutes(10), MIN_INTERVAL);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    vertx = Vertx.vertx();
    gateway = new GatewayServer(vertx, new GatewaySettings("https://aigc.example.test", "example.test", "127.0.0.1", 0,
        Duration.ofHours(8), false, GatewayServer.ProxyMode.NGINX), new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC()),
        new AuthDecider(directory, Clock.systemUTC()), provider, catalog);
    base = "http://127.0.0.1:" + gateway.start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() throws Exception {
    keys.release();
    gateway.close();
    provider.close();
    catalog.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    cluster.close();
    oidc.shutdown();
  }

  @Test
  void aRotatedKeyIsRefusedAtOnceWhileItsFetchHangsAndAcceptedWhenTheRefreshLands() throws Exception {
    String old = oidc.issueToken("default", "alice", CLIENT, Map.of(), 3600).serialize();
    assertThat(auth(old)).isEqualTo(200);
    assertThat(me(old)).isEqualTo(200);
    int fetched = keys.fetches().size();

    keys.rotate();
    keys.hold();
    String rotated = oidc.issueToken("default", "alice", CLIENT, Map.of(), 3600).serialize();
    assertThat(auth(rotated)).as("signed with a key not known yet: refused, not waited for").isEqualTo(401);
    await().atMost(ANSWERS_WITHIN.multipliedBy(5)).until(() -> keys.held() == 1);

    for (int i = 0; i < 20; i++) {
      assertThat(auth(rotated)).isEqualTo(401);
      assertThat(me(rotated)).isEqualTo(401);
      assertThat(auth(old)).as("the keys known before still work").isEqualTo(200);
    }
    assertThat(keys.held()).as("all answered while the provider's key endpoint still hung").isEqualTo(1);
    assertThat(keys.fetches()).as("one fetch for all of them").hasSize(fetched + 1);

    keys.release();
    await().atMost(ANSWERS_WITHIN.multipliedBy(5)).until(() -> auth(rotated) == 200);
    assertThat(me(rotated)).isEqualTo(200);
  }

  @Test
  void madeUpKeyIdsTriggerAtMostOneFetchPerInterval() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).generate();
    int fetched = keys.fetches().size();
    Instant until = Instant.now().plus(MIN_INTERVAL.multipliedBy(3)).plusMillis(500);
    int requests = 0;
    while (Instant.now().isBefore(until)) {
      assertThat(auth(signed(stranger, "made-up-" + requests))).isEqualTo(401);
      requests++;
    }
    List<Long> fetches = keys.fetches().subList(fetched, keys.fetches().size());
    assertThat(requests).as("requests made").isGreaterThan(20);
    assertThat(fetches).as(requests + " requests with unknown key IDs over 3.5 intervals").hasSizeBetween(1, 4);
    for (int i = 1; i < fetches.size(); i++) {
      assertThat(Duration.ofNanos(fetches.get(i) - fetches.get(i - 1))).as("time between fetches")
          .isGreaterThanOrEqualTo(MIN_INTERVAL.minusMillis(100));
    }
  }

  @Test
  void aFailedRefreshKeepsTheKeysItHad() throws Exception {
    String known = oidc.issueToken("default", "alice", CLIENT, Map.of(), 3600).serialize();
    int fetched = keys.fetches().size();
    keys.failing = true;
    assertThat(auth(signed(new RSAKeyGenerator(2048).generate(), "made-up"))).isEqualTo(401);
    await().atMost(ANSWERS_WITHIN.multipliedBy(5)).until(() -> keys.fetches().size() > fetched);
    await().atMost(ANSWERS_WITHIN).until(() -> keys.failures > 0);
    assertThat(auth(known)).isEqualTo(200);
  }

  /** A token with the right issuer, audience and times, signed by {@code key} under key ID {@code kid}. */
  private String signed(RSAKey key, String kid) throws JOSEException {
    Instant now = Instant.now();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), new JWTClaimsSet.Builder()
        .issuer(oidc.issuerUrl("default").toString()).audience(CLIENT).subject("alice")
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  /** /auth as ingress-nginx calls it, with the token as a client sends it. */
  private int auth(String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/auth?host=" + HOST)).timeout(ANSWERS_WITHIN)
        .header("X-Original-URL", "http://" + HOST + "/").header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private int me(String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/me")).timeout(ANSWERS_WITHIN)
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * The provider's signing key, which the test rotates. The provider's key endpoint reads it on the
   * provider's own threads (the test issues tokens on its own), so a read from another thread is a
   * fetch of the key set, which the test can hold or make fail.
   */
  static final class RotatingKeys extends KeyProvider {
    private final Thread test = Thread.currentThread();
    private volatile JWK signing = newKey("key-1");
    private final List<Long> fetches = new ArrayList<>();
    private volatile CountDownLatch hold;
    private volatile int held;
    volatile boolean failing;
    volatile int failures;

    private static RSAKey newKey(String kid) {
      try {
        return new RSAKeyGenerator(2048).keyID(kid).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    void rotate() {
      signing = newKey("key-2");
    }

    void hold() {
      hold = new CountDownLatch(1);
    }

    void release() {
      CountDownLatch latch = hold;
      hold = null;
      if (latch != null) latch.countDown();
    }

    int held() {
      return held;
    }

    synchronized List<Long> fetches() {
      return List.copyOf(fetches);
    }

    @Override
    public JWK signingKey(String issuerId) {
      if (Thread.currentThread() == test) return signing;
      synchronized (this) {
        fetches.add(System.nanoTime());
      }
      CountDownLatch latch = hold;
      if (latch != null) {
        held++;
        try {
          latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failing) {
        failures++;
        throw new IllegalStateException("the provider's key endpoint fails");
      }
      return signing;
    }
  }
}
