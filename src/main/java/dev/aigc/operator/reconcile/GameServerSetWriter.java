package dev.aigc.operator.reconcile;

import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.GameServerSetUpdate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a rendered GameServerSet: create it, or update it in one write (replicas and reserve IDs
 * together) guarded by its resourceVersion. A conflict (OKG wrote in between, or our cache was
 * stale) fails the reconcile, and JOSDK retries it against fresh state.
 */
public class GameServerSetWriter {
  private static final Logger log = LoggerFactory.getLogger(GameServerSetWriter.class);
  private final KubernetesClient client;

  public GameServerSetWriter(KubernetesClient client) {
    this.client = client;
  }

  /** @return the object as written, or {@code current} when nothing needed writing */
  public GameServerSet apply(
      GameServerSet desired, GameServerSet current, InformerEventSource<GameServerSet, ?> cache) {
    String namespace = desired.getMetadata().getNamespace();
    var resources = client.resources(GameServerSet.class).inNamespace(namespace);
    ResourceID id = ResourceID.fromResource(desired);
    if (current == null) {
      GameServerSet created = resources.resource(desired).create();
      // later reconciles must see our write even before the informer does
      cache.handleRecentResourceCreate(id, created);
      log.info("created GameServerSet {}/{} with replicas {}", namespace, desired.getMetadata().getName(),
          desired.getSpec().getReplicas());
      return created;
    }
    if (!GameServerSetUpdate.needsUpdate(desired, current)) return current;
    GameServerSet merged = GameServerSetUpdate.merge(desired, current);
    GameServerSet updated = resources.resource(merged).update();
    cache.handleRecentResourceUpdate(id, updated, current);
    log.info("updated GameServerSet {}/{}: replicas {}, reserveGameServerIds {}", namespace,
        desired.getMetadata().getName(), desired.getSpec().getReplicas(),
        GameServerSetUpdate.reservedIds(desired));
    return updated;
  }

  /** Writes only replicas and reserve IDs over {@code current} (an invalid template's set). */
  public GameServerSet applyScale(Allocation allocation, GameServerSet current, InformerEventSource<GameServerSet, ?> cache) {
    if (!GameServerSetUpdate.needsScale(allocation, current)) return current;
    GameServerSet updated = client.resources(GameServerSet.class).inNamespace(current.getMetadata().getNamespace())
        .resource(GameServerSetUpdate.mergeScale(allocation, current)).update();
    cache.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, current);
    log.info("scaled GameServerSet {}/{} of an invalid template: replicas {}", current.getMetadata().getNamespace(),
        current.getMetadata().getName(), allocation.replicas());
    return updated;
  }

  /** Deletes {@code current} if it is still that object (its UID), with its pods; disks are not owned by it and stay. */
  public void delete(GameServerSet current) {
    client.resources(GameServerSet.class).inNamespace(current.getMetadata().getNamespace())
        .withName(current.getMetadata().getName())
        .lockResourceVersion(current.getMetadata().getResourceVersion()).delete();
    log.info("deleted GameServerSet {}/{}", current.getMetadata().getNamespace(), current.getMetadata().getName());
  }
}
