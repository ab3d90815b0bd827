package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact instance host to instance and owner, kept in memory from an informer on AigcInstances, so
 * that {@code /auth} decides without a remote call. Also remembers when each instance was last
 * reached, in memory only (no write per request).
 */
public final class InstanceDirectory {
  /**
   * One instance as the auth check sees it.
   *
   * @param phase its status phase (null before it has one); being deleted reads as Deleting
   * @param lastActivity the activity the gateways published for it (status.lastActivity), or null
   * @param suspendedAt when it was suspended for idleness, or null
   */
  public record Entry(String namespace, String name, String owner, InstancePhase phase, String lastActivity, String suspendedAt) {
    public Entry(String namespace, String name, String owner, boolean running) {
      this(namespace, name, owner, running ? InstancePhase.Running : InstancePhase.Stopped, null, null);
    }

    public String key() {
      return namespace + "/" + name;
    }

    public boolean running() {
      return phase == InstancePhase.Running;
    }

    public boolean suspended() {
      return phase == InstancePhase.Suspended && suspendedAt != null;
    }

    /**
     * Whether its owner's requests go through: Running; Suspended, where the request wakes it; and
     * Starting or Pending, whose requests meet the starting page until the app is ready.
     */
    public boolean reachable() {
      // Pending too: a woken instance waiting for quota room shows its owner the starting page, not a 403
      return phase == InstancePhase.Running || phase == InstancePhase.Suspended || phase == InstancePhase.Starting
          || phase == InstancePhase.Pending;
    }
  }

  /** Host to the instances claiming it, by "namespace/name" (more than one: nobody is let through). */
  private final Map<String, Map<String, Entry>> byHost = new ConcurrentHashMap<>();
  private final Map<String, String> hostByInstance = new ConcurrentHashMap<>();
  /** "namespace/gameServer" (the name of OKG's per-ID Ingress) to the entry holding that ID. */
  private final Map<String, Entry> byGameServer = new ConcurrentHashMap<>();
  private final Map<String, String> gameServerByInstance = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastAccess = new ConcurrentHashMap<>();
  /** What each instance's Ready condition says, for the wake page to show its owner. */
  private final Map<String, String> readyMessages = new ConcurrentHashMap<>();
  /** Each entry with the resourceVersion of the object it was read from, by "namespace/name". */
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final boolean recordActivity;

  public InstanceDirectory() {
    this(true);
  }

  /** @param recordActivity false only to measure what recording costs /auth (bench/): touches are then ignored */
  public InstanceDirectory(boolean recordActivity) {
    this.recordActivity = recordActivity;
  }

  /**
   * Records (or replaces) what an instance's status says. Readers never take the lock, so an entry is
   * replaced in place, never removed and added back: an /auth between the two would find no instance
   * and refuse its owner (every activity write upserts each active instance once a minute).
   */
  public synchronized void upsert(AigcInstance instance) {
    var status = instance.getStatus();
    Optional<String> host = status == null || instance.getSpec() == null ? Optional.empty() : Hosts.ofUrl(status.getUrl());
    if (host.isEmpty()) {
      remove(instance);
      return;
    }
    InstancePhase phase = instance.getMetadata().getDeletionTimestamp() != null ? InstancePhase.Deleting : status.getPhase();
    Entry entry = new Entry(instance.getMetadata().getNamespace(), instance.getMetadata().getName(),
        instance.getSpec().getOwner(), phase, status.getLastActivity(), status.getSuspendedAt());
    String key = entry.key();
    byHost.computeIfAbsent(host.get(), h -> new ConcurrentHashMap<>()).put(key, entry);
    String oldHost = hostByInstance.put(key, host.get());
    if (oldHost != null && !oldHost.equals(host.get())) dropFromHost(oldHost, key);
    seen.put(key, new Seen(entry, instance.getMetadata().getResourceVersion()));
    var ready = dev.aigc.operator.render.Conditions.find(status.getConditions(), dev.aigc.operator.render.Conditions.READY);
    if (ready != null && ready.getMessage() != null) readyMessages.put(key, ready.getMessage());
    else readyMessages.remove(key);
    String ingress = status.getGameServer() == null ? null : entry.namespace() + "/" + status.getGameServer();
    if (ingress != null) byGameServer.put(ingress, entry);
    String oldIngress = ingress == null ? gameServerByInstance.remove(key) : gameServerByInstance.put(key, ingress);
    if (oldIngress != null && !oldIngress.equals(ingress)) byGameServer.computeIfPresent(oldIngress, (k, e) -> e.key().equals(key) ? null : e);
  }

  public synchronized void remove(AigcInstance instance) {
    String key = instance.getMetadata().getNamespace() + "/" + instance.getMetadata().getName();
    readyMessages.remove(key);
    seen.remove(key);
    String ingress = gameServerByInstance.remove(key);
    if (ingress != null) byGameServer.computeIfPresent(ingress, (k, e) -> e.key().equals(key) ? null : e);
    String host = hostByInstance.remove(key);
    if (host != null) dropFromHost(host, key);
  }

  private void dropFromHost(String host, String key) {
    Map<String, Entry> entries = byHost.get(host);
    if (entries == null) return;
    entries.remove(key);
    if (entries.isEmpty()) byHost.remove(host);
  }

  /**
   * The instance at exactly this (normalised) host. Empty when none is, and also when two instances
   * claim the same host (two templates with one host pattern): then nobody is let through.
   */
  public Optional<Entry> lookup(String host) {
    Map<String, Entry> entries = byHost.get(host);
    if (entries == null || entries.size() != 1) return Optional.empty();
    var only = entries.values().iterator();
    return only.hasNext() ? Optional.of(only.next()) : Optional.empty(); // removed meanwhile
  }

  /**
   * The instance holding the ID whose GameServer (and OKG's Ingress of that ID) has this name, as
   * ingress-nginx names it to a default backend (X-Namespace, X-Ingress-Name).
   */
  public Optional<Entry> byIngress(String namespace, String ingressName) {
    return Optional.ofNullable(byGameServer.get(namespace + "/" + ingressName));
  }

  /** What the instance's Ready condition says now, or null. */
  public String readyMessage(Entry entry) {
    return readyMessages.get(entry.key());
  }

  public void touch(Entry entry, Instant when) {
    if (!recordActivity) return;
    lastAccess.put(entry.key(), when);
    // a suspended instance's owner is waiting at a starting page: publishing it cannot wait for a tick
    if (entry.suspended()) onWake.run();
  }

  private volatile Runnable onWake = () -> { };

  /**
   * Whether a suspended instance's wake has been asked for: a touch here, or activity another replica
   * published, after its suspension (the operator has not acted on it yet).
   */
  public boolean wakeAsked(Entry entry) {
    Instant suspended = dev.aigc.operator.render.IdleSuspension.parse(entry.suspendedAt());
    if (!entry.suspended() || suspended == null) return false;
    Instant touched = lastAccess.get(entry.key());
    Instant published = dev.aigc.operator.render.IdleSuspension.parse(entry.lastActivity());
    return touched != null && touched.isAfter(suspended) || published != null && published.isAfter(suspended);
  }

  /** Called (on the touching thread: keep it short) when a suspended instance is touched, which wakes it. */
  public void onWake(Runnable wake) {
    this.onWake = wake;
  }

  /** An entry and the resourceVersion of the object it was read from (a precondition for writes based on it). */
  public record Seen(Entry entry, String resourceVersion) {}

  /**
   * Every instance the directory holds now (those whose status has a URL), each with its
   * resourceVersion. Synchronized with {@link #upsert}, which removes an entry before it adds it
   * again: a snapshot between the two would miss it, and its touch would be dropped as gone.
   */
  public synchronized java.util.Collection<Seen> entries() {
    return java.util.List.copyOf(seen.values());
  }

  /** Drops the touch of an instance gone from the directory, unless it was touched again since {@code when}. */
  public void forget(String key, Instant when) {
    lastAccess.remove(key, when);
  }

  /** When each instance ("namespace/name") was last let through, since the gateway started. */
  public Map<String, Instant> lastAccess() {
    return Map.copyOf(lastAccess);
  }

  /** Keeps this directory in step with an informer on AigcInstances. */
  public ResourceEventHandler<AigcInstance> handler() {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(AigcInstance instance) { upsert(instance); }
      @Override public void onUpdate(AigcInstance old, AigcInstance instance) { upsert(instance); }
      @Override public void onDelete(AigcInstance instance, boolean unknown) { remove(instance); }
    };
  }
}
