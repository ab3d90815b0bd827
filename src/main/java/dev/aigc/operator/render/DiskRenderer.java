package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.StorageSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A user's disk, which is also the record of who holds its ID (DESIGN invariant 3). The operator makes
 * it before OKG would; OKG's workload then uses the existing claim of that name as it is.
 *
 * <p>No owner reference: a disk must outlive its GameServerSet and its template. No
 * {@code app.kubernetes.io/instance} label: Argo CD would take it for part of an Application.
 */
public final class DiskRenderer {
  private DiskRenderer() {}

  /** The claim template's spec, shared with the GameServerSet's volumeClaimTemplates. */
  public static PersistentVolumeClaimSpec spec(StorageSpec storage) {
    return new PersistentVolumeClaimSpecBuilder()
        .withAccessModes("ReadWriteOnce")
        .withVolumeMode("Filesystem")
        .withStorageClassName(storage.getStorageClassName())
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity(storage.getSize())))
        .endResources()
        .build();
  }

  /** A new disk for {@code id}, stamped with the instance it is given to. */
  public static PersistentVolumeClaim render(AigcTemplate template, int id, InstanceClaim instance) {
    String name = template.getMetadata().getName();
    return new PersistentVolumeClaimBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(Names.volumeClaim(name, id))
            .withNamespace(template.getMetadata().getNamespace())
            .withLabels(Labels.forDisk(name))
            .withAnnotations(stamp(Map.of(), instance))
            .build())
        .withSpec(spec(template.getSpec().getDedicated().getStorage()))
        .build();
  }

  /** {@code existing} given to {@code instance}: the same disk (and data), a new holder on it. */
  public static PersistentVolumeClaim restamp(PersistentVolumeClaim existing, String template, InstanceClaim instance) {
    PersistentVolumeClaim copy = Serialization.clone(existing);
    var annotations = copy.getMetadata().getAnnotations() == null ? Map.<String, String>of() : copy.getMetadata().getAnnotations();
    copy.getMetadata().setAnnotations(stamp(annotations, instance));
    Map<String, String> labels = new LinkedHashMap<>(copy.getMetadata().getLabels() == null ? Map.of() : copy.getMetadata().getLabels());
    labels.putAll(Labels.forDisk(template));
    labels.remove(Labels.INSTANCE);
    copy.getMetadata().setLabels(labels);
    return copy;
  }

  /** {@code existing} marked for deletion once its ID no longer runs. */
  public static PersistentVolumeClaim markDeleteOnRelease(PersistentVolumeClaim existing) {
    PersistentVolumeClaim copy = Serialization.clone(existing);
    Map<String, String> annotations = new LinkedHashMap<>(copy.getMetadata().getAnnotations() == null ? Map.of() : copy.getMetadata().getAnnotations());
    annotations.put(Labels.DISK_DELETE_ON_RELEASE, "true");
    copy.getMetadata().setAnnotations(annotations);
    return copy;
  }

  private static Map<String, String> stamp(Map<String, String> existing, InstanceClaim instance) {
    Map<String, String> annotations = new LinkedHashMap<>(existing);
    annotations.put(Labels.DISK_OWNER, instance.owner());
    annotations.put(Labels.DISK_INSTANCE, instance.name());
    annotations.put(Labels.DISK_INSTANCE_UID, instance.uid());
    annotations.remove(Labels.DISK_DELETE_ON_RELEASE);
    return annotations;
  }
}
