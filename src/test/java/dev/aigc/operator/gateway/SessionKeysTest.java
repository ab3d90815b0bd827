package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session keys a gateway makes at its first start and every replica then shares, restarts included. */
class SessionKeysTest {
  private static final SessionKeys.Location WHERE = new SessionKeys.Location("aigc-system", "aigc-session");
  private final MockCluster cluster = MockCluster.start();

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A cookie sealed with {@code sealer}'s keys opens with {@code opener}'s: nobody was signed out. */
  private static boolean sameSessions(List<byte[]> sealer, List<byte[]> opener) {
    String cookie = new SessionCodec(sealer, Duration.ofHours(8), Clock.systemUTC()).seal("alice", null, false);
    return new SessionCodec(opener, Duration.ofHours(8), Clock.systemUTC()).open(cookie).isPresent();
  }

  @Test
  void theFirstStartMakesAKeyAndEveryLaterStartReadsTheSameOne() {
    List<byte[]> first = SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE);
    assertThat(first).singleElement().satisfies(k -> assertThat(k).hasSize(32));
    Secret stored = cluster.client().secrets().inNamespace(WHERE.namespace()).withName(WHERE.name()).get();
    assertThat(stored.getType()).isEqualTo("Opaque");
    List<byte[]> restarted = SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE);
    assertThat(sameSessions(first, restarted)).as("a restart signs no one out").isTrue();
  }

  @Test
  void replicasStartingTogetherAllUseTheKeyOfTheOneThatCreatedIt() throws Exception {
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<byte[]>>> starts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        starts.add(pool.submit((Callable<List<byte[]>>) () -> SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE)));
      }
      List<byte[]> reference = starts.get(0).get();
      for (Future<List<byte[]>> start : starts) assertThat(sameSessions(reference, start.get())).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aReplicaThatLosesTheRaceToCreateReadsTheWinnersKey() {
    List<byte[]> winner = SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE);
    int baseline = cluster.unservedExpectations();
    // this replica's read came before the winner's create: it tries to create too, and gets 409
    cluster.server().expect().get().withPath("/api/v1/namespaces/aigc-system/secrets/aigc-session")
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").build()).once();
    int injected = cluster.unservedExpectations();
    assertThat(injected).isEqualTo(baseline + 1);
    List<byte[]> loser = SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE);
    assertThat(sameSessions(winner, loser)).isTrue();
    assertThat(cluster.unservedExpectations()).as("the stale read was served").isEqualTo(baseline);
  }

  @Test
  void anAdminsRotationIsReadAsWrittenTheFirstKeySealing() {
    byte[] newKey = new byte[32];
    newKey[0] = 1;
    byte[] oldKey = new byte[32];
    cluster.client().secrets().inNamespace(WHERE.namespace()).resource(new SecretBuilder().withNewMetadata().withName(WHERE.name())
        .endMetadata().withData(Map.of(SessionKeys.KEY, b64("# rotated\n" + Base64.getEncoder().encodeToString(newKey) + "\n"
            + Base64.getEncoder().encodeToString(oldKey) + "\n"))).build()).create();
    List<byte[]> keys = SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE);
    assertThat(keys).containsExactly(newKey, oldKey);
  }

  @Test
  void aSecretWithoutKeysIsRefusedWithoutShowingItsContent() {
    cluster.client().secrets().inNamespace(WHERE.namespace()).resource(new SecretBuilder().withNewMetadata().withName(WHERE.name())
        .endMetadata().withData(Map.of(SessionKeys.KEY, b64("s3cr3t!!\n"))).build()).create();
    assertThatThrownBy(() -> SessionKeys.getOrCreate(cluster.newClient(b -> { }), WHERE))
        .hasMessageContaining("aigc-system/aigc-session").hasMessageNotContaining("s3cr3t");
  }

  @Test
  void aLocationIsANameInTheGatewaysNamespaceOrANamespaceAndName() {
    assertThat(SessionKeys.Location.parse("keys", "ns")).isEqualTo(new SessionKeys.Location("ns", "keys"));
    assertThat(SessionKeys.Location.parse("other/keys", "ns")).isEqualTo(new SessionKeys.Location("other", "keys"));
    for (String bad : List.of("", "/keys", "other/", "a/b/c")) {
      assertThatThrownBy(() -> SessionKeys.Location.parse(bad, "ns")).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
