package dev.aigc.operator.render;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.Map;

/**
 * One ID's disk, read as the ID record (DESIGN invariant 3): which owner it belongs to and which
 * instance (by UID) holds or last held it.
 *
 * @param owner null for a disk nobody is recorded on (for example one AIGC-Gateway left behind)
 * @param instanceUid null until an instance of this operator was stamped on it
 * @param deleting the API server is deleting it (a claim being deleted blocks the pod's creation)
 * @param deleteOnRelease its instance was deleted with retention Delete
 * @param blank OKG made it from our claim template for a pod nobody holds (its write-back can race
 *     the operator's reserve list for a moment): no owner, no instance, never anyone's data
 */
public record DiskRecord(int id, String name, String uid, String owner, String instanceName, String instanceUid,
    boolean deleting, boolean deleteOnRelease, boolean blank) {

  public DiskRecord(int id, String name, String uid, String owner, String instanceName, String instanceUid,
      boolean deleting, boolean deleteOnRelease) {
    this(id, name, uid, owner, instanceName, instanceUid, deleting, deleteOnRelease, false);
  }

  /** The record a claim named {@code user-data-<template>-<id>} holds; null when it is not one of the template's. */
  public static DiskRecord of(String template, PersistentVolumeClaim pvc) {
    var meta = pvc.getMetadata();
    int id = Names.idOfVolumeClaim(template, meta.getName());
    if (id < 0) return null;
    Map<String, String> a = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
    String owner = blankToNull(a.get(Labels.DISK_OWNER));
    String instanceUid = blankToNull(a.get(Labels.DISK_INSTANCE_UID));
    // Our claim template's labels and nothing of ours on it. Version 0.1's claim template also set
    // app.kubernetes.io/instance: such a disk may hold data and is never taken for blank.
    boolean blank = owner == null && instanceUid == null && Labels.OPERATOR.equals(labels.get(Labels.MANAGED_BY))
        && !labels.containsKey(Labels.INSTANCE);
    return new DiskRecord(id, meta.getName(), meta.getUid(), owner, a.get(Labels.DISK_INSTANCE), instanceUid,
        meta.getDeletionTimestamp() != null, "true".equals(a.get(Labels.DISK_DELETE_ON_RELEASE)), blank);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
