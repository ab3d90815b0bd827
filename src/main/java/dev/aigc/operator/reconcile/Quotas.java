package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcQuota;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.DiskRecord;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.InstanceClaim;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.QuotaAdmission;
import dev.aigc.operator.render.QuotaAdmission.Candidate;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Feeds {@link QuotaAdmission} from the template reconciler's caches. What runs now is read from
 * the record the operator itself writes: an instance runs when the ID its disk records is among the
 * IDs its template's GameServerSet runs (invariant 2), our own writes cached at once, so a decision
 * taken under the namespace lock sees every earlier one, whichever template took it.
 */
final class Quotas {
  private final QuotaBoard board;
  /**
   * The instances each template ("namespace/template") admitted in its last decision. One admitted
   * gets its ID and disk at once, but its GameServerSet write may wait a moment (a burst shares it):
   * until then it counts as running, or an instance created a little earlier but seen later would
   * overtake it and leave it waiting with an ID it was already given.
   */
  private final Map<String, Set<String>> admitted = new java.util.concurrent.ConcurrentHashMap<>();

  /** What the decision means for one template: its instances that wait, each with the quota named. */
  record Verdict(Map<String, String> messages) {
    Set<String> waiting() {
      return messages.keySet();
    }
  }

  Quotas(QuotaBoard board) {
    this.board = board;
  }

  /** Whether this template's decision must count other templates' instances: it uses GPUs and the namespace bounds them. */
  static boolean crossesTemplates(AigcTemplate template, List<AigcQuota> namespaceQuotas) {
    return !namespaceQuotas.isEmpty() && (gpus(template) > 0 || gpuMemory(template) > 0);
  }

  /**
   * @param inNamespace the namespace's templates and instances, read only when the decision crosses templates
   */
  Verdict decide(AigcTemplate template, Set<AigcInstance> mine, List<AigcQuota> namespaceQuotas,
      Namespace inNamespace, InformerEventSource<GameServerSet, ?> gameServerSets,
      InformerEventSource<PersistentVolumeClaim, ?> disks) {
    String namespace = template.getMetadata().getNamespace();
    boolean crossing = crossesTemplates(template, namespaceQuotas);
    boolean templateQuota = template.getSpec().getDedicated().getQuota() != null;
    if (!crossing && !templateQuota) {
      // no decision now: one made under a quota that comes back later starts from what runs then
      admitted.remove(namespace + "/" + template.getMetadata().getName());
      return new Verdict(Map.of());
    }

    Map<String, Collection<AigcInstance>> scope = new LinkedHashMap<>();
    Map<String, AigcTemplate> templates = new HashMap<>();
    scope.put(template.getMetadata().getName(), mine);
    templates.put(template.getMetadata().getName(), template);
    if (crossing) {
      for (AigcTemplate other : inNamespace.templates()) {
        String name = other.getMetadata().getName();
        if (templates.containsKey(name) || other.getSpec() == null || other.getSpec().getDedicated() == null
            || (gpus(other) == 0 && gpuMemory(other) == 0)) continue;
        templates.put(name, other);
        scope.put(name, new ArrayList<>());
      }
      for (AigcInstance i : inNamespace.instances()) {
        if (i.getSpec() == null || i.getSpec().getTemplate().equals(template.getMetadata().getName())) continue;
        Collection<AigcInstance> of = scope.get(i.getSpec().getTemplate());
        if (of != null) of.add(i);
      }
    }
    Map<String, Map<String, Integer>> idsByTemplate = new HashMap<>();
    for (String name : scope.keySet()) idsByTemplate.put(name, new HashMap<>());
    for (PersistentVolumeClaim pvc : disks.list(namespace).toList()) {
      var labels = pvc.getMetadata().getLabels();
      String of = labels == null ? null : labels.get(Labels.TEMPLATE);
      if (of == null) of = Names.templateOfVolumeClaim(pvc.getMetadata().getName());
      Map<String, Integer> ids = of == null ? null : idsByTemplate.get(of);
      DiskRecord record = ids == null ? null : DiskRecord.of(of, pvc);
      if (record != null && record.instanceUid() != null) ids.put(record.instanceUid(), record.id());
    }

    List<Candidate> candidates = new ArrayList<>();
    Map<String, QuotaAdmission.TemplateQuota> templateQuotas = new HashMap<>();
    for (var entry : scope.entrySet()) {
      AigcTemplate t = templates.get(entry.getKey());
      var q = t.getSpec().getDedicated().getQuota();
      if (q != null) templateQuotas.put(entry.getKey(), new QuotaAdmission.TemplateQuota(q.getMaxRunning(), q.getMaxPerUser()));
      GameServerSet gss = gameServerSets.get(new ResourceID(Names.gameServerSet(entry.getKey()), namespace)).orElse(null);
      Set<Integer> running = gss == null || gss.getSpec() == null || gss.getSpec().getReplicas() == null ? Set.of()
          : GameServerSetUpdate.runningIds(GameServerSetUpdate.reservedIds(gss), gss.getSpec().getReplicas());
      Map<String, Integer> ids = idsByTemplate.get(entry.getKey());
      // Admitted before, by this process: kept only while the set exists. A lost set ran nothing any
      // more, and a restarted operator would not remember; it comes back with what the quota allows now
      // either way (invariant 6: the outcome never depends on whether the operator restarted).
      Set<String> admittedBefore = gss == null ? null : admitted.get(namespace + "/" + entry.getKey());
      for (AigcInstance i : entry.getValue()) {
        InstanceClaim claim = InstanceClaim.of(i);
        if (claim.uid() == null) continue;
        Integer id = ids.get(claim.uid());
        // An ID the set still runs counts only for an instance the last decision let run: one that
        // stopped then (its room given to another) and starts again before the write that stops it
        // lands (a 409, a pace) is a newcomer, or both would run.
        boolean runs = id != null && (admittedBefore == null ? running.contains(id) : admittedBefore.contains(claim.uid()));
        candidates.add(new Candidate(claim.uid(), claim.name(), entry.getKey(), claim.owner(), claim.createdAt(),
            runs, claim.wantsToRun(), gpus(t), gpuMemory(t)));
      }
    }
    List<QuotaAdmission.NamespaceQuota> bounds = namespaceQuotas.stream().filter(q -> q.getSpec() != null)
        .map(q -> new QuotaAdmission.NamespaceQuota(q.getMetadata().getName(), q.getSpec().getGpus(),
            q.getSpec().getGpuMemoryGiB(), q.getSpec().getGpusPerUser(), q.getSpec().getGpuMemoryGiBPerUser()))
        .toList();
    QuotaAdmission.Decision decision = QuotaAdmission.decide(candidates, templateQuotas, crossing ? bounds : List.of());
    Map<String, String> messages = new LinkedHashMap<>();
    Set<String> admittedNow = new java.util.HashSet<>();
    for (AigcInstance i : mine) {
      String message = decision.waiting().get(i.getMetadata().getUid());
      if (message != null) messages.put(i.getMetadata().getUid(), message);
      else if (InstanceClaim.of(i).wantsToRun()) admittedNow.add(i.getMetadata().getUid());
    }
    admitted.put(namespace + "/" + template.getMetadata().getName(), admittedNow);
    return new Verdict(messages);
  }

  /** A deleted template's last decision goes with it. */
  void forget(AigcTemplate template) {
    admitted.remove(template.getMetadata().getNamespace() + "/" + template.getMetadata().getName());
  }

  /** Tells the instance reconciler and the event mappers which of this template's instances wait. */
  void publish(AigcTemplate template, Set<AigcInstance> mine, Verdict verdict) {
    Map<ResourceID, String> waiting = new HashMap<>();
    for (AigcInstance i : mine) {
      String message = verdict.messages().get(i.getMetadata().getUid());
      if (message != null) waiting.put(ResourceID.fromResource(i), message);
    }
    board.publish(template.getMetadata().getNamespace(), template.getMetadata().getName(), waiting);
  }

  /** The namespace's templates and instances from the caches. */
  interface Namespace {
    List<AigcTemplate> templates();

    List<AigcInstance> instances();
  }

  static int gpus(AigcTemplate t) {
    var c = t.getSpec() == null ? null : t.getSpec().getCompute();
    return c == null || c.getGpu() == null ? 0 : c.getGpu();
  }

  static int gpuMemory(AigcTemplate t) {
    var c = t.getSpec() == null ? null : t.getSpec().getCompute();
    return c == null || c.getGpuMemory() == null ? 0 : c.getGpuMemory();
  }
}
