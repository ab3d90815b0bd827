package dev.aigc.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer's store that keeps what the operator caches small (the heap target of bench/README.md:
 * tens of thousands of instances, each with a disk and a GameServer, cached by two controllers).
 *
 * <ul>
 *   <li>Informers of the same kind share one object: a store that is handed an object a peer store
 *       already holds (same key, UID and resourceVersion) keeps the peer's instead of a second copy.
 *   <li>What {@link Kind#compact} gives for the kind: {@code managedFields} dropped, fields only this
 *       operator's pruning says are unread dropped, and strings interned (names, UIDs and template
 *       values recur across instances, disks and GameServers), label maps and specs that many objects
 *       have alike shared.
 * </ul>
 *
 * Cached objects are read only (JOSDK hands reconcilers a clone of the primary; every write clones
 * what it changes first): a shared map is unmodifiable, so a mistake fails loudly instead of
 * changing other objects.
 */
final class CompactStore<R extends HasMetadata> implements ItemStore<R> {
  private final ConcurrentHashMap<String, R> store = new ConcurrentHashMap<>();
  private final Kind<R> kind;

  private CompactStore(Kind<R> kind) {
    this.kind = kind;
  }

  @Override
  public String getKey(R obj) {
    // the cache keeps the key in its indexes too: one string for all of them and all stores
    return Cache.metaNamespaceKeyFunc(obj).intern();
  }

  @Override
  public R put(String key, R obj) {
    return store.put(key, kind.compact(key, obj, this));
  }

  @Override
  public R remove(String key) {
    return store.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return store.keySet().stream();
  }

  @Override
  public Stream<R> values() {
    return store.values().stream();
  }

  @Override
  public int size() {
    return store.size();
  }

  @Override
  public R get(String key) {
    return store.get(key);
  }

  /** One kind's stores (one per informer of that kind) and how its objects are compacted. */
  static final class Kind<R extends HasMetadata> {
    private final List<CompactStore<R>> stores = new CopyOnWriteArrayList<>();
    private final UnaryOperator<R> prune;
    private final Shared shared;

    /** @param prune drops what the operator never reads of this kind and interns the kind's own fields */
    Kind(Shared shared, UnaryOperator<R> prune) {
      this.shared = shared;
      this.prune = prune;
    }

    /** A new store for one more informer of this kind. */
    CompactStore<R> store() {
      CompactStore<R> store = new CompactStore<>(this);
      stores.add(store);
      return store;
    }

    /** Empties every store: a stopped operator must not hold its objects (the reconcilers outlive it in metrics). */
    void clear() {
      stores.forEach(store -> store.store.clear());
      stores.clear();
    }

    private R compact(String key, R obj, CompactStore<R> self) {
      ObjectMeta m = obj.getMetadata();
      for (CompactStore<R> peer : m == null ? List.<CompactStore<R>>of() : stores) {
        if (peer == self) continue;
        R held = peer.store.get(key);
        if (held != null && Objects.equals(held.getMetadata().getUid(), m.getUid())
            && Objects.equals(held.getMetadata().getResourceVersion(), m.getResourceVersion())) {
          return held;
        }
      }
      if (m != null) shared.meta(m);
      return prune.apply(obj);
    }
  }

  /**
   * Values many cached objects have alike, kept once. Strings go to the JVM's string table (held
   * weakly, outside the heap); maps and specs to a bounded map of their own, so that values that turn
   * out to be unique cannot grow it without end.
   */
  static final class Shared {
    private static final int MAX_SHARED = 10_000;
    private final Map<Object, Object> values = new ConcurrentHashMap<>();

    static String s(String value) {
      return value == null ? null : value.intern();
    }

    /** An equal value already shared, or {@code value} itself (shared from now on, if there is room). */
    @SuppressWarnings("unchecked")
    <T> T value(T value) {
      if (value == null) return null;
      Object known = values.get(value);
      if (known != null) return (T) known;
      if (values.size() >= MAX_SHARED) return value;
      known = values.putIfAbsent(value, value);
      return known == null ? value : (T) known;
    }

    /** An unmodifiable map equal to {@code map}, with its strings interned, shared with equal ones. */
    Map<String, String> map(Map<String, String> map) {
      if (map == null) return null;
      if (map.isEmpty()) return Collections.emptyMap();
      Map<String, String> copy = new LinkedHashMap<>(map.size() * 4 / 3 + 1);
      map.forEach((k, v) -> copy.put(s(k), s(v)));
      return value(Collections.unmodifiableMap(copy));
    }

    /** A model's map of fields it does not know, unmodifiable and shared when empty (the usual case). */
    static Map<String, Object> extras(Map<String, Object> additionalProperties) {
      return additionalProperties == null || additionalProperties.isEmpty() ? Collections.emptyMap() : additionalProperties;
    }

    void meta(ObjectMeta m) {
      m.setManagedFields(null);
      m.setAdditionalProperties(extras(m.getAdditionalProperties()));
      m.setName(s(m.getName()));
      m.setNamespace(s(m.getNamespace()));
      m.setUid(s(m.getUid()));
      m.setCreationTimestamp(s(m.getCreationTimestamp()));
      m.setDeletionTimestamp(s(m.getDeletionTimestamp()));
      m.setLabels(map(m.getLabels()));
      if (m.getAnnotations() != null) {
        // values that are the same string elsewhere (instance names and UIDs) but rarely the same map
        Map<String, String> annotations = new LinkedHashMap<>(m.getAnnotations().size() * 4 / 3 + 1);
        m.getAnnotations().forEach((k, v) -> annotations.put(s(k), s(v)));
        m.setAnnotations(annotations);
      }
      if (m.getFinalizers() != null) m.setFinalizers(value(List.copyOf(m.getFinalizers().stream().map(Shared::s).toList())));
    }
  }
}
