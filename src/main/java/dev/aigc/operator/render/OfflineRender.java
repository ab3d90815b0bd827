package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcQuota;
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
    return render(templates, instances, List.of(), settings);
  }

  /**
   * With the quotas applied as the operator would to instances none of which runs yet: first come
   * (creation time, then name) first served; the others get no ID.
   */
  public static List<HasMetadata> render(List<AigcTemplate> templates, List<AigcInstance> instances,
      List<AigcQuota> quotas, OperatorSettings settings) {
    java.util.Set<String> waiting = waiting(templates, instances, quotas);
    List<HasMetadata> objects = new ArrayList<>();
    for (AigcTemplate template : templates) {
      if (template.getSpec().getShared() != null) objects.add(KnativeServiceRenderer.render(template));
      if (template.getSpec().getDedicated() == null) continue;
      List<InstanceClaim> claims = instances.stream()
          .filter(i -> templateOf(i, List.of(template)) != null)
          .map(OfflineRender::claimOf)
          .toList();
      Allocation allocation = IdAllocator.allocate(claims, List.of(), true, waiting);
      objects.add(GameServerSetRenderer.render(template, allocation, settings));
      for (Allocation.Assignment a : allocation.toCreate()) objects.add(DiskRenderer.render(template, a.id(), a.instance()));
    }
    return objects;
  }

  private static java.util.Set<String> waiting(List<AigcTemplate> templates, List<AigcInstance> instances, List<AigcQuota> quotas) {
    java.util.Set<String> waiting = new java.util.HashSet<>();
    java.util.Map<String, List<AigcInstance>> byNamespace = new java.util.TreeMap<>();
    for (AigcInstance i : instances) byNamespace.computeIfAbsent(i.getMetadata().getNamespace(), n -> new ArrayList<>()).add(i);
    for (var entry : byNamespace.entrySet()) {
      java.util.Map<String, QuotaAdmission.TemplateQuota> templateQuotas = new java.util.HashMap<>();
      List<QuotaAdmission.Candidate> candidates = new ArrayList<>();
      for (AigcInstance i : entry.getValue()) {
        AigcTemplate t = templateOf(i, templates);
        if (t == null || t.getSpec().getDedicated() == null) continue;
        var q = t.getSpec().getDedicated().getQuota();
        if (q != null) templateQuotas.put(t.getMetadata().getName(), new QuotaAdmission.TemplateQuota(q.getMaxRunning(), q.getMaxPerUser()));
        var c = t.getSpec().getCompute();
        InstanceClaim claim = claimOf(i);
        candidates.add(new QuotaAdmission.Candidate(claim.uid(), claim.name(), t.getMetadata().getName(), claim.owner(),
            claim.createdAt(), false, claim.wantsToRun(), c == null || c.getGpu() == null ? 0 : c.getGpu(),
            c == null || c.getGpuMemory() == null ? 0 : c.getGpuMemory()));
      }
      List<QuotaAdmission.NamespaceQuota> bounds = quotas.stream()
          .filter(q -> entry.getKey().equals(q.getMetadata().getNamespace()) && q.getSpec() != null)
          .map(q -> new QuotaAdmission.NamespaceQuota(q.getMetadata().getName(), q.getSpec().getGpus(),
              q.getSpec().getGpuMemoryGiB(), q.getSpec().getGpusPerUser(), q.getSpec().getGpuMemoryGiBPerUser()))
          .toList();
      waiting.addAll(QuotaAdmission.decide(candidates, templateQuotas, bounds).waiting().keySet());
    }
    return waiting;
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
