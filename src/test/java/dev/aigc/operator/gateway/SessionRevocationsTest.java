package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a sign-out writes to the revoked-session list, and what a replica reads back from it. */
class SessionRevocationsTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final long now = NOW.getEpochSecond();
  private static final long TTL = Duration.ofHours(8).toSeconds();
  private static final long EXPIRY = 1_795_000_000L;

  private static Session session(String id, Instant issuedAt) {
    return new Session("alice", null, false, issuedAt.plusSeconds(TTL), id, issuedAt);
  }

  private static ConfigMap record(Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(SessionRevocations.DEFAULT_NAME).endMetadata().withData(data).build();
  }

  private static String id(int i) {
    return String.format("%022d", i); // as long as a real ID: 22 characters
  }

  @Test
  void aSignOutAddsItsEntryAndRemovesTheExpiredOnes() {
    var changes = SessionRevocations.changes(Map.of("old", now - 1, "live", now + 100), Long.MIN_VALUE, "mine", now + TTL, now, TTL, 100);
    assertThat(changes.cutoff()).isFalse();
    Map<String, String> expected = new HashMap<>();
    expected.put("old", null);
    expected.put("mine", Long.toString(now + TTL));
    assertThat(changes.data()).isEqualTo(expected);
  }

  @Test
  void expiredEntriesMakeRoomBeforeTheListCountsAsFull() {
    var changes = SessionRevocations.changes(Map.of("old", now, "live", now + 100), Long.MIN_VALUE, "mine", now + TTL, now, TTL, 2);
    assertThat(changes.cutoff()).isFalse();
    assertThat(changes.data()).containsEntry("mine", Long.toString(now + TTL)).containsEntry("old", null);
  }

  @Test
  void aFullListBecomesOneCutoffThatRevokesEverySessionIssuedUntilThen() {
    Map<String, Long> full = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) full.put(id(i), now + 100);
    var changes = SessionRevocations.changes(full, Long.MIN_VALUE, "mine", now + TTL, now, TTL, 3);
    assertThat(changes.cutoff()).isTrue();
    Map<String, String> expected = new HashMap<>();
    full.keySet().forEach(k -> expected.put(k, null));
    expected.put(SessionRevocations.ISSUED_BEFORE, Long.toString(now));
    assertThat(changes.data()).isEqualTo(expected);

    SessionRevocations replica = SessionRevocations.inMemory(Clock.fixed(NOW, ZoneOffset.UTC));
    replica.load(record(Map.of(SessionRevocations.ISSUED_BEFORE, Long.toString(now))));
    assertThat(replica.revoked(session("mine", NOW.minusSeconds(60)))).isTrue();
    assertThat(replica.revoked(session("someone-else", NOW.minusSeconds(3600)))).as("everyone signs in again").isTrue();
    assertThat(replica.revoked(session("fresh", NOW.plusSeconds(1)))).as("a sign-in after the cutoff").isFalse();
  }

  @Test
  void theCutoffGoesOnceEverySessionItCoversHasExpired() {
    var kept = SessionRevocations.changes(Map.of(), now - TTL, "a", now + TTL, now, TTL, 10);
    assertThat(kept.data()).doesNotContainKey(SessionRevocations.ISSUED_BEFORE);
    var dropped = SessionRevocations.changes(Map.of(), now - TTL - 1, "a", now + TTL, now, TTL, 10);
    assertThat(dropped.data()).containsEntry(SessionRevocations.ISSUED_BEFORE, null);
  }

  @Test
  void aFullListFitsInAConfigMapWithRoomForRacingWrites() {
    Map<String, String> data = new HashMap<>();
    for (int i = 0; i < SessionRevocations.DEFAULT_CAPACITY; i++) data.put(id(i), Long.toString(EXPIRY));
    data.put(SessionRevocations.ISSUED_BEFORE, Long.toString(EXPIRY));
    // the API server sums keys and values of a ConfigMap's data against 1 MiB
    long size = data.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
    assertThat(size).isLessThan(700_000L);
    assertThat(Serialization.asJson(record(data)).getBytes(StandardCharsets.UTF_8).length).isLessThan(1024 * 1024);
  }

  @Test
  void aReplicaKnowsTheRecordsEntriesAndIgnoresRemovedKeysAndJunk() {
    SessionRevocations replica = SessionRevocations.inMemory(Clock.fixed(NOW, ZoneOffset.UTC));
    Map<String, String> data = new HashMap<>();
    data.put("revoked", Long.toString(now + 100));
    data.put("removed", null); // fabric8's mock API server keeps keys a merge patch set to null
    data.put("junk", "not a time");
    replica.load(record(data));
    assertThat(replica.revoked(session("revoked", NOW))).isTrue();
    assertThat(replica.revoked(session("removed", NOW))).isFalse();
    assertThat(replica.revoked(session("junk", NOW))).isFalse();
    assertThat(replica.revoked(new Session("alice", null, false, NOW.plusSeconds(60)))).as("a bearer token has no session ID").isFalse();

    replica.load(null);
    assertThat(replica.revoked(session("revoked", NOW))).as("the record was deleted").isFalse();
  }

  @Test
  void aSessionRevokedHereStaysRevokedUntilTheRecordShowsIt() {
    SessionRevocations replica = SessionRevocations.inMemory(Clock.fixed(NOW, ZoneOffset.UTC));
    replica.revoke(session("mine", NOW));
    replica.load(record(Map.of("other", Long.toString(now + 100)))); // a watch event from before our write
    assertThat(replica.revoked(session("mine", NOW))).isTrue();
    replica.load(record(Map.of("other", Long.toString(now + 100)), "mine", Long.toString(now + TTL)));
    assertThat(replica.size()).as("held once").isEqualTo(2);
    assertThat(replica.revoked(session("mine", NOW))).isTrue();
  }

  private static ConfigMap record(Map<String, String> data, String key, String value) {
    Map<String, String> more = new HashMap<>(data);
    more.put(key, value);
    return record(more);
  }
}
