package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.OperatorSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything the operator would create for a set of templates and instances, with no cluster: the
 * same allocation and renderers the reconcilers use, with IDs taken from the instances' statuses.
 */
public final class OfflineRender {
  private OfflineRender() {}

  public static List<HasMetadata> render(List<AigcTemplate> templates, List<AigcInstance> instances, OperatorSettings settings) {
    List<HasMetadata> objects = new ArrayList<>();
    for (AigcTemplate template : templates) {
      if (template.getSpec().getShared() != null) objects.add(KnativeServiceRenderer.render(template));
      if (template.getSpec().getDedicated() == null) continue;
      List<InstanceClaim> claims = instances.stream()
          .filter(i -> templateOf(i, List.of(template)) != null)
          .map(OfflineRender::claimOf)
          .toList();
      Allocation allocation = IdAllocator.allocate(claims, List.of(), true);
      objects.add(GameServerSetRenderer.render(template, allocation, settings));
      for (Allocation.Assignment a : allocation.toCreate()) objects.add(DiskRenderer.render(template, a.id(), a.instance()));
    }
    return objects;
  }

  /** Files have no UIDs: within one render the name stands for the instance. */
  private static InstanceClaim claimOf(AigcInstance instance) {
    InstanceClaim c = InstanceClaim.of(instance);
    return c.uid() != null ? c
        : new InstanceClaim(c.name(), c.name(), c.owner(), c.createdAt(), c.deleting(), c.wantsToRun(), c.statusId());
  }

  /** The template an instance names, from the same namespace, or null. */
  public static AigcTemplate templateOf(AigcInstance instance, List<AigcTemplate> templates) {
    return templates.stream()
        .filter(t -> Objects.equals(t.getMetadata().getName(), instance.getSpec().getTemplate())
            && Objects.equals(t.getMetadata().getNamespace(), instance.getMetadata().getNamespace()))
        .findFirst()
        .orElse(null);
  }
}
