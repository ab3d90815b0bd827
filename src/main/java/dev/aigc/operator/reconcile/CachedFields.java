package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSpec;
import dev.aigc.operator.okg.GameServerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.PodTemplateVersion;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

/**
 * What the operator's caches keep of each kind it caches by the ten thousand ({@link CompactStore}).
 * Only kinds the operator never writes back whole lose fields: an instance is kept whole (its status is
 * compared with the rendered one, JOSDK patches it), a disk loses its status only (disk updates are
 * PUTs of the whole object, which ignore status), a GameServer keeps only what an instance's status
 * is made from.
 */
final class CachedFields {
  private final boolean enabled;
  private final CompactStore.Kind<AigcInstance> instances;
  private final CompactStore.Kind<PersistentVolumeClaim> disks;
  private final CompactStore.Kind<GameServer> gameServers;
  private final CompactStore.Kind<Pod> pods;

  /**
   * @param oneInformerPerSource JOSDK hands one configured store to each informer of a source, one
   *     per watched namespace, and an informer's relist drops what its store holds beyond its own
   *     list: with several namespaces the caches keep fabric8's default stores
   */
  CachedFields(boolean oneInformerPerSource) {
    this.enabled = oneInformerPerSource;
    CompactStore.Shared shared = new CompactStore.Shared();
    this.instances = new CompactStore.Kind<>(shared, CachedFields::instance);
    this.disks = new CompactStore.Kind<>(shared, d -> disk(d, shared));
    this.gameServers = new CompactStore.Kind<>(shared, CachedFields::gameServer);
    this.pods = new CompactStore.Kind<>(shared, CachedFields::pod);
  }

  /** Lets go of every cached object, once the informers have stopped. */
  void clear() {
    instances.clear();
    disks.clear();
    gameServers.clear();
    pods.clear();
  }

  /** A store for one more informer of instances, or null for fabric8's default. */
  ItemStore<AigcInstance> instanceStore() {
    return enabled ? instances.store() : null;
  }

  ItemStore<PersistentVolumeClaim> diskStore() {
    return enabled ? disks.store() : null;
  }

  ItemStore<GameServer> gameServerStore() {
    return enabled ? gameServers.store() : null;
  }

  ItemStore<Pod> podStore() {
    return enabled ? pods.store() : null;
  }

  /**
   * A pod is read for its set (which instance it runs), the version its template stamped on it, and
   * whether it is going; a forced update deletes it by name with its resourceVersion.
   */
  static Pod pod(Pod pod) {
    ObjectMeta meta = pod.getMetadata();
    ObjectMeta kept = new ObjectMeta();
    kept.setName(meta.getName());
    kept.setNamespace(CompactStore.Shared.s(meta.getNamespace()));
    kept.setUid(meta.getUid());
    kept.setResourceVersion(meta.getResourceVersion());
    kept.setDeletionTimestamp(meta.getDeletionTimestamp());
    kept.setLabels(only(meta.getLabels(), GameServerSet.OWNER_GSS_LABEL));
    kept.setAnnotations(only(meta.getAnnotations(), PodTemplateVersion.GENERATION, PodTemplateVersion.PARTS));
    Pod compact = new Pod();
    compact.setMetadata(kept);
    return compact;
  }

  private static Map<String, String> only(Map<String, String> map, String... keys) {
    if (map == null) return null;
    Map<String, String> kept = new java.util.HashMap<>(keys.length);
    for (String key : keys) {
      String value = map.get(key);
      if (value != null) kept.put(key, CompactStore.Shared.s(value));
    }
    return kept;
  }

  static AigcInstance instance(AigcInstance instance) {
    var spec = instance.getSpec();
    if (spec != null) {
      spec.setTemplate(CompactStore.Shared.s(spec.getTemplate()));
      spec.setOwner(CompactStore.Shared.s(spec.getOwner()));
    }
    var status = instance.getStatus();
    if (status != null) {
      status.setUrl(CompactStore.Shared.s(status.getUrl()));
      status.setGameServer(CompactStore.Shared.s(status.getGameServer()));
      status.setVolumeClaim(CompactStore.Shared.s(status.getVolumeClaim()));
      status.setLastRestart(CompactStore.Shared.s(status.getLastRestart()));
      if (status.getConditions() != null) status.getConditions().forEach(CachedFields::condition);
    }
    return instance;
  }

  static PersistentVolumeClaim disk(PersistentVolumeClaim disk, CompactStore.Shared shared) {
    disk.setStatus(null);
    disk.setAdditionalProperties(CompactStore.Shared.extras(disk.getAdditionalProperties()));
    // the same for every disk of a template
    disk.setSpec(shared.value(disk.getSpec()));
    return disk;
  }

  /** Name and labels (which instance it runs), opsState (a kill), and the states its status is made from. */
  static GameServer gameServer(GameServer gs) {
    GameServer kept = new GameServer();
    kept.setMetadata(gs.getMetadata());
    if (gs.getSpec() != null) {
      GameServerSpec spec = new GameServerSpec();
      spec.setOpsState(CompactStore.Shared.s(gs.getSpec().getOpsState()));
      kept.setSpec(spec);
    }
    if (gs.getStatus() != null) {
      GameServerStatus status = new GameServerStatus();
      status.setCurrentState(CompactStore.Shared.s(gs.getStatus().getCurrentState()));
      if (gs.getStatus().getNetworkStatus() != null) {
        GameServerStatus.NetworkStatus network = new GameServerStatus.NetworkStatus();
        network.setCurrentNetworkState(CompactStore.Shared.s(gs.getStatus().getNetworkStatus().getCurrentNetworkState()));
        status.setNetworkStatus(network);
      }
      kept.setStatus(status);
    }
    return kept;
  }

  private static void condition(Condition c) {
    c.setAdditionalProperties(CompactStore.Shared.extras(c.getAdditionalProperties()));
    c.setType(CompactStore.Shared.s(c.getType()));
    c.setStatus(CompactStore.Shared.s(c.getStatus()));
    c.setReason(CompactStore.Shared.s(c.getReason()));
    c.setMessage(CompactStore.Shared.s(c.getMessage()));
    c.setLastTransitionTime(CompactStore.Shared.s(c.getLastTransitionTime()));
  }
}
