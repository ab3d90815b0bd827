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
 */
public record DiskRecord(int id, String name, String uid, String owner, String instanceName, String instanceUid,
    boolean deleting, boolean deleteOnRelease) {

  /** The record a claim named {@code user-data-<template>-<id>} holds; null when it is not one of the template's. */
  public static DiskRecord of(String template, PersistentVolumeClaim pvc) {
    var meta = pvc.getMetadata();
    int id = Names.idOfVolumeClaim(template, meta.getName());
    if (id < 0) return null;
    Map<String, String> a = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    return new DiskRecord(id, meta.getName(), meta.getUid(), blankToNull(a.get(Labels.DISK_OWNER)),
        a.get(Labels.DISK_INSTANCE), blankToNull(a.get(Labels.DISK_INSTANCE_UID)), meta.getDeletionTimestamp() != null,
        "true".equals(a.get(Labels.DISK_DELETE_ON_RELEASE)));
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
