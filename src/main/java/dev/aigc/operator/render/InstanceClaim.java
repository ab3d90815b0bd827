package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstanceState;

/**
 * What the allocator needs to know of one instance.
 *
 * @param createdAt RFC 3339 creation time (sorts as text); null sorts last
 * @param recordedId the ID this instance already holds (from the GameServerSet record or its status)
 */
public record InstanceClaim(
    String name, String owner, String createdAt, boolean deleting, boolean wantsToRun, Integer recordedId) {

  public static InstanceClaim of(AigcInstance instance, Integer recordedId) {
    var spec = instance.getSpec();
    boolean deleting = instance.getMetadata().getDeletionTimestamp() != null;
    boolean run = spec != null && spec.getState() != InstanceState.Stopped && !deleting;
    return new InstanceClaim(
        instance.getMetadata().getName(),
        spec == null ? null : spec.getOwner(),
        instance.getMetadata().getCreationTimestamp(),
        deleting,
        run,
        recordedId);
  }
}
