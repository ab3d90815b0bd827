package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstanceState;

/**
 * What the allocator needs to know of one instance.
 *
 * @param uid the instance's UID: the key of the ID record (a new instance with an old name is another instance)
 * @param createdAt RFC 3339 creation time (sorts as text); null sorts last
 * @param statusId the ID its status reports, the fallback when its disk was lost
 */
public record InstanceClaim(String uid, String name, String owner, String createdAt, boolean deleting,
    boolean wantsToRun, Integer statusId) {

  public static InstanceClaim of(AigcInstance instance) {
    var spec = instance.getSpec();
    boolean deleting = instance.getMetadata().getDeletionTimestamp() != null;
    boolean killed = instance.getStatus() != null && instance.getStatus().killedAt(instance.getMetadata().getGeneration());
    // suspended for idleness: held like a stopped instance until the gateway's activity wakes it
    boolean suspended = instance.getStatus() != null && instance.getStatus().getSuspendedAt() != null;
    boolean run = spec != null && spec.getState() != InstanceState.Stopped && !deleting && !killed && !suspended;
    return new InstanceClaim(
        instance.getMetadata().getUid(),
        instance.getMetadata().getName(),
        spec == null ? null : spec.getOwner(),
        instance.getMetadata().getCreationTimestamp(),
        deleting,
        run,
        instance.getStatus() == null ? null : instance.getStatus().getInstanceId());
  }
}
