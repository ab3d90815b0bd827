package dev.aigc.operator.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions ended by sign-out, known to every gateway replica within moments and checked from memory
 * (DESIGN invariant 7: no remote call per /auth).
 *
 * <p>The record is one ConfigMap in the gateway's namespace. Each data entry names a revoked session
 * by its ID and holds the session's expiry (epoch seconds): an entry matters exactly as long as the
 * cookie it names could still open. Every replica watches that one object with an informer and keeps
 * its entries in memory; checking a session is a map lookup.
 *
 * <p>Sign-out writes with a JSON merge patch that names only its own key and the expired keys it
 * prunes, so replicas signing users out at the same moment never conflict: no read-modify-write, no
 * retries. The replica that signs out also remembers the ID itself at once, before the watch brings
 * it back.
 *
 * <p>Bounds: at most {@code capacity} entries, 20,000 by default (an ID is 22 characters and an expiry
 * 10, so about 640 KB of data, under the API server's 1 MiB limit for a ConfigMap, with room for a
 * few writes that race past the count). Every write first drops the entries that have expired. If the
 * list is still full, the write replaces all its entries with one cutoff, {@code issued-before}: every
 * session sealed up to that second is refused, so everyone signs in again once, and a sign-out is
 * never dropped because the list is full. The cutoff is dropped in turn once every session it covers
 * has expired (cutoff + session lifetime). Deleting the ConfigMap forgets every revocation.
 */
public final class SessionRevocations implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SessionRevocations.class);
  public static final String DEFAULT_NAME = "aigc-revoked-sessions";
  public static final int DEFAULT_CAPACITY = 20_000;
  /** The key of the cutoff: sessions issued at or before this second (epoch) are revoked. */
  static final String ISSUED_BEFORE = "issued-before";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the record lives. */
  public record Location(String namespace, String name) {
    public Location {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
    }
  }

  /** What a sign-out wrote. */
  public enum Outcome {
    /** The session's own entry. */
    RECORDED,
    /** The list was full: a cutoff that revokes every session issued until now. */
    CUTOFF,
    /** Nothing: this gateway keeps revocations in its own memory only. */
    LOCAL
  }

  private final KubernetesClient client;
  private final Location location;
  private final int capacity;
  private final Duration ttl;
  private final Clock clock;
  private final Telemetry telemetry;
  private SharedIndexInformer<ConfigMap> informer;

  /** The record's entries as last seen, expired ones included (the next write prunes them). */
  private volatile Map<String, Long> recorded = Map.of();
  private volatile long issuedBefore = Long.MIN_VALUE;
  /** Revoked here and not yet seen in the record. */
  private final Map<String, Long> mine = new ConcurrentHashMap<>();

  private SessionRevocations(KubernetesClient client, Location location, int capacity, Duration ttl, Clock clock, Telemetry telemetry) {
    this.client = client;
    this.location = location;
    this.capacity = capacity;
    this.ttl = ttl;
    this.clock = clock;
    this.telemetry = telemetry;
  }

  /** Revocations this process alone knows: for a single gateway without a cluster, and for tests. */
  public static SessionRevocations inMemory(Clock clock) {
    return new SessionRevocations(null, null, DEFAULT_CAPACITY, Duration.ZERO, clock, Telemetry.inMemory());
  }

  /**
   * Watches the record at {@code location} (starting the informer, which lists it once) and writes
   * sign-outs into it.
   *
   * @param ttl the sessions' lifetime, after which a cutoff covers nothing any more
   */
  public static SessionRevocations watching(KubernetesClient client, Location location, int capacity, Duration ttl, Clock clock,
      Telemetry telemetry) {
    SessionRevocations revocations = new SessionRevocations(client, location, capacity, ttl, clock, telemetry);
    telemetry.countRevokedSessions(revocations::size);
    revocations.informer = client.configMaps().inNamespace(location.namespace()).withName(location.name())
        .inform(revocations.handler());
    return revocations;
  }

  /** Whether sign-out ended this session. From memory only. */
  public boolean revoked(Session session) {
    if (session.id() == null) return false;
    if (session.issuedAt() != null && session.issuedAt().getEpochSecond() <= issuedBefore) return true;
    return recorded.containsKey(session.id()) || (!mine.isEmpty() && mine.containsKey(session.id()));
  }

  /** Whether the record has been read once (a replica that has not must not answer /auth yet). */
  public boolean synced() {
    return informer == null || informer.hasSynced();
  }

  /** Entries in memory: the record's (expired ones until the next write) and this replica's own. */
  public int size() {
    return recorded.size() + mine.size();
  }

  /**
   * Ends {@code session} on every replica: this one at once, the others when their watch delivers the
   * write. Blocking (one Kubernetes call, two when the record does not exist yet): call it off the
   * event loop.
   *
   * @throws KubernetesClientException when the record could not be written; this replica still refuses the session
   */
  public Outcome revoke(Session session) {
    if (session.id() == null) throw new IllegalArgumentException("only sessions of this gateway can be revoked");
    long now = clock.instant().getEpochSecond();
    mine.put(session.id(), session.expiresAt().getEpochSecond());
    mine.values().removeIf(expiry -> expiry <= now);
    if (client == null) return Outcome.LOCAL;
    Changes changes = changes(recorded, issuedBefore, session.id(), session.expiresAt().getEpochSecond(), now, ttl.toSeconds(), capacity);
    try {
      write(changes.data());
    } catch (KubernetesClientException e) {
      telemetry.sessionRevocation("failed");
      throw e;
    }
    if (changes.cutoff()) {
      log.warn("the revoked-session list {}/{} was full ({} unexpired entries): every session issued until now is revoked, "
          + "so everyone signs in again", location.namespace(), location.name(), capacity);
      issuedBefore = Math.max(issuedBefore, now);
      telemetry.sessionRevocation("cutoff");
      return Outcome.CUTOFF;
    }
    telemetry.sessionRevocation("recorded");
    return Outcome.RECORDED;
  }

  /** A write to the record: data keys to set, and keys to remove (null values). */
  record Changes(Map<String, String> data, boolean cutoff) {}

  /**
   * What a sign-out writes, given the record as last seen: the expired entries removed, then the
   * session's entry, or when the list is still full a cutoff at {@code now} in place of every entry.
   */
  static Changes changes(Map<String, Long> recorded, long issuedBefore, String id, long expiry, long now, long ttlSeconds, int capacity) {
    Map<String, String> data = new LinkedHashMap<>();
    int live = 0;
    for (Map.Entry<String, Long> entry : recorded.entrySet()) {
      if (entry.getValue() <= now) {
        data.put(entry.getKey(), null);
      } else if (!entry.getKey().equals(id)) {
        live++;
      }
    }
    if (issuedBefore != Long.MIN_VALUE && issuedBefore + ttlSeconds < now) data.put(ISSUED_BEFORE, null);
    if (live < capacity) {
      data.put(id, Long.toString(expiry));
      return new Changes(data, false);
    }
    for (String key : recorded.keySet()) data.put(key, null);
    data.put(ISSUED_BEFORE, Long.toString(now));
    return new Changes(data, true);
  }

  private void write(Map<String, String> data) {
    var resource = client.configMaps().inNamespace(location.namespace()).withName(location.name());
    String patch;
    try {
      patch = JSON.writeValueAsString(Map.of("data", data)); // keeps the nulls that remove keys
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    try {
      resource.patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
      Map<String, String> entries = new HashMap<>(data);
      entries.values().removeIf(Objects::isNull);
      try {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(location.name()).withNamespace(location.namespace())
            .addToLabels("app.kubernetes.io/component", "gateway").endMetadata().withData(entries).build()).create();
      } catch (KubernetesClientException created) {
        if (created.getCode() != 409) throw created;
        resource.patch(PatchContext.of(PatchType.JSON_MERGE), patch); // another replica created it meanwhile
      }
    }
  }

  private ResourceEventHandler<ConfigMap> handler() {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(ConfigMap record) { load(record); }
      @Override public void onUpdate(ConfigMap old, ConfigMap record) { load(record); }
      @Override public void onDelete(ConfigMap record, boolean unknown) { load(null); }
    };
  }

  /** Replaces what this replica knows with the record's entries. */
  void load(ConfigMap record) {
    Map<String, String> data = record == null || record.getData() == null ? Map.of() : record.getData();
    Map<String, Long> entries = new HashMap<>(data.size() * 2);
    long cutoff = Long.MIN_VALUE;
    for (Map.Entry<String, String> entry : data.entrySet()) {
      Long value = epochSeconds(entry.getValue());
      if (value == null) continue; // a removed key that a server kept as null, or something not ours
      if (entry.getKey().equals(ISSUED_BEFORE)) {
        cutoff = value;
      } else {
        entries.put(entry.getKey(), value);
      }
    }
    recorded = entries;
    issuedBefore = cutoff;
    mine.keySet().removeAll(entries.keySet());
  }

  private static Long epochSeconds(String value) {
    if (value == null) return null;
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (informer != null) informer.close();
  }
}
