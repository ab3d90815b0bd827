package dev.aigc.operator.render;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which instances may run under the quotas of their templates and namespace (DESIGN invariant 11:
 * one beyond a quota is Stalled with reason QuotaExceeded).
 *
 * <ol>
 *   <li>An instance that runs and still wants to run keeps running, whatever the quotas say now: a
 *       lowered quota holds new starts, it never stops anyone.
 *   <li>The others that want to run are taken first come, first served (creation time, then name,
 *       then UID), each if every quota it counts against has room.
 *   <li>No overtaking: once an instance waits for a quota, a later one that counts against the same
 *       quota waits behind it, even if it would fit (a small request never starves a big one). A
 *       per-user quota only holds that user's later instances.
 * </ol>
 */
public final class QuotaAdmission {
  public static final Comparator<Candidate> FIRST_COME =
      Comparator.comparing(Candidate::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(Candidate::name, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(Candidate::uid);

  private QuotaAdmission() {}

  /**
   * One instance as the quotas see it.
   *
   * @param running whether it runs now (its ID is among those its GameServerSet runs)
   * @param wantsToRun whether its spec asks it to run (not stopped, not being deleted, not killed)
   * @param gpus whole GPUs its template asks for, 0 for none
   * @param gpuMemoryGiB GiB of shared GPU memory its template asks for, 0 for none
   */
  public record Candidate(String uid, String name, String template, String owner, String createdAt,
      boolean running, boolean wantsToRun, int gpus, int gpuMemoryGiB) {}

  /** spec.dedicated.quota of one template; a null bound is no bound. */
  public record TemplateQuota(Integer maxRunning, Integer maxPerUser) {}

  /** One AigcQuota of the namespace; a null bound is no bound. */
  public record NamespaceQuota(String name, Integer gpus, Integer gpuMemoryGiB, Integer gpusPerUser, Integer gpuMemoryGiBPerUser) {}

  /**
   * @param admitted UIDs of the instances that may run (those that run and still want to, and those that start now)
   * @param waiting UID of each instance that wants to run but must wait, to the message that names the quota
   */
  public record Decision(Set<String> admitted, Map<String, String> waiting) {}

  /** One bound an instance counts against: a key shared by everyone it limits. */
  private record Demand(String key, int amount, int limit, String message) {}

  /**
   * @param candidates the instances of every template the quotas cover (for a namespace quota, the
   *     whole namespace), in any order
   * @param templates each template's quota by template name; absent: none
   * @param namespace the namespace's quotas (each applies; several may name the same bound)
   */
  public static Decision decide(List<Candidate> candidates, Map<String, TemplateQuota> templates, List<NamespaceQuota> namespace) {
    List<Candidate> ordered = candidates.stream().filter(c -> c.wantsToRun()).sorted(FIRST_COME).toList();
    Map<String, Integer> used = new HashMap<>();
    Set<String> admitted = new TreeSet<>();
    for (Candidate c : ordered) {
      if (!c.running()) continue;
      admitted.add(c.uid());
      for (Demand d : demands(c, templates, namespace)) used.merge(d.key(), d.amount(), Integer::sum);
    }
    Set<String> closed = new HashSet<>();
    Map<String, String> waiting = new LinkedHashMap<>();
    for (Candidate c : ordered) {
      if (c.running()) continue;
      List<Demand> demands = demands(c, templates, namespace);
      List<Demand> failed = new ArrayList<>();
      for (Demand d : demands) {
        if (closed.contains(d.key()) || used.getOrDefault(d.key(), 0) + d.amount() > d.limit()) failed.add(d);
      }
      if (failed.isEmpty()) {
        admitted.add(c.uid());
        for (Demand d : demands) used.merge(d.key(), d.amount(), Integer::sum);
      } else {
        for (Demand d : failed) closed.add(d.key());
        waiting.put(c.uid(), failed.get(0).message());
      }
    }
    return new Decision(admitted, waiting);
  }

  private static List<Demand> demands(Candidate c, Map<String, TemplateQuota> templates, List<NamespaceQuota> namespace) {
    List<Demand> demands = new ArrayList<>();
    TemplateQuota t = templates.get(c.template());
    if (t != null && t.maxRunning() != null) {
      demands.add(new Demand("t/" + c.template(), 1, t.maxRunning(), "template " + c.template()
          + " allows " + t.maxRunning() + " running instance(s) in all (spec.dedicated.quota.maxRunning)"));
    }
    if (t != null && t.maxPerUser() != null) {
      demands.add(new Demand("t/" + c.template() + "/u/" + c.owner(), 1, t.maxPerUser(), "template " + c.template()
          + " allows " + t.maxPerUser() + " running instance(s) per user (spec.dedicated.quota.maxPerUser)"));
    }
    for (NamespaceQuota q : namespace) {
      String k = "q/" + q.name();
      if (c.gpus() > 0 && q.gpus() != null) {
        demands.add(new Demand(k + "/gpus", c.gpus(), q.gpus(),
            "AigcQuota " + q.name() + " allows " + q.gpus() + " GPU(s) running at once in the namespace (spec.gpus)"));
      }
      if (c.gpus() > 0 && q.gpusPerUser() != null) {
        demands.add(new Demand(k + "/gpus/u/" + c.owner(), c.gpus(), q.gpusPerUser(),
            "AigcQuota " + q.name() + " allows " + q.gpusPerUser() + " GPU(s) running at once per user (spec.gpusPerUser)"));
      }
      if (c.gpuMemoryGiB() > 0 && q.gpuMemoryGiB() != null) {
        demands.add(new Demand(k + "/mem", c.gpuMemoryGiB(), q.gpuMemoryGiB(), "AigcQuota " + q.name() + " allows "
            + q.gpuMemoryGiB() + " GiB of shared GPU memory running at once in the namespace (spec.gpuMemoryGiB)"));
      }
      if (c.gpuMemoryGiB() > 0 && q.gpuMemoryGiBPerUser() != null) {
        demands.add(new Demand(k + "/mem/u/" + c.owner(), c.gpuMemoryGiB(), q.gpuMemoryGiBPerUser(), "AigcQuota " + q.name()
            + " allows " + q.gpuMemoryGiBPerUser() + " GiB of shared GPU memory running at once per user (spec.gpuMemoryGiBPerUser)"));
      }
    }
    return demands;
  }
}
