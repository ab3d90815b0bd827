package dev.aigc.operator.reconcile;

import dev.aigc.operator.render.DiskRecord;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes to users' disks, each guarded so that a stale cache or a stale leader cannot touch a
 * disk that has since become someone else's (DESIGN invariant 4): creates fail if the name exists,
 * updates carry the resourceVersion they were computed from, deletes carry it as a precondition
 * (which implies the UID) after the UID was checked against the instance's record.
 */
final class Disks {
  private static final Logger log = LoggerFactory.getLogger(Disks.class);
  private final KubernetesClient client;

  Disks(KubernetesClient client) {
    this.client = client;
  }

  PersistentVolumeClaim create(PersistentVolumeClaim disk, InformerEventSource<PersistentVolumeClaim, ?> cache) {
    PersistentVolumeClaim created = client.persistentVolumeClaims().inNamespace(disk.getMetadata().getNamespace())
        .resource(disk).create();
    cache.handleRecentResourceCreate(ResourceID.fromResource(created), created);
    log.info("created disk {}/{} for {}", disk.getMetadata().getNamespace(), disk.getMetadata().getName(),
        disk.getMetadata().getAnnotations());
    return created;
  }

  /** Replaces {@code current} with {@code changed}; a 409 means it changed since we read it. */
  PersistentVolumeClaim update(PersistentVolumeClaim changed, PersistentVolumeClaim current,
      InformerEventSource<PersistentVolumeClaim, ?> cache) {
    changed.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    PersistentVolumeClaim updated = client.persistentVolumeClaims().inNamespace(current.getMetadata().getNamespace())
        .resource(changed).update();
    if (cache != null) cache.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, current);
    return updated;
  }

  /**
   * Deletes the disk {@code record} names, only if it is still that very disk.
   *
   * @return false when it was already gone
   */
  boolean delete(String namespace, DiskRecord record, PersistentVolumeClaim current) {
    if (current == null || !record.uid().equals(current.getMetadata().getUid())) {
      throw new IllegalStateException("disk " + record.name() + " is no longer the disk with UID " + record.uid());
    }
    try {
      var deleted = client.persistentVolumeClaims().inNamespace(namespace).withName(record.name())
          .lockResourceVersion(current.getMetadata().getResourceVersion()).delete();
      log.info("deleted disk {}/{} (uid {})", namespace, record.name(), record.uid());
      return !deleted.isEmpty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) return false;
      throw e;
    }
  }
}
