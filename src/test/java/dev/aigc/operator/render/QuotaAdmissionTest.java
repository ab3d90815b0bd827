package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.render.QuotaAdmission.Candidate;
import dev.aigc.operator.render.QuotaAdmission.Decision;
import dev.aigc.operator.render.QuotaAdmission.NamespaceQuota;
import dev.aigc.operator.render.QuotaAdmission.TemplateQuota;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Who may run under the template and namespace quotas, on the pure decision alone. */
class QuotaAdmissionTest {
  private static Candidate wants(String name, String template, String owner, String created, int gpus) {
    return new Candidate("uid-" + name, name, template, owner, created, false, true, gpus, 0);
  }

  private static Candidate runs(String name, String template, String owner, String created, int gpus) {
    return new Candidate("uid-" + name, name, template, owner, created, true, true, gpus, 0);
  }

  @Test
  void theLastSlotGoesToTheEarlierOfTwoNewInstancesAndTheOtherWaitsNamingTheQuota() {
    Decision d = QuotaAdmission.decide(List.of(wants("b", "t", "bob", "2", 0), wants("a", "t", "alice", "1", 0),
        runs("x", "t", "carol", "0", 0)), Map.of("t", new TemplateQuota(2, null)), List.of());
    assertThat(d.admitted()).containsExactlyInAnyOrder("uid-x", "uid-a");
    assertThat(d.waiting()).containsOnlyKeys("uid-b");
    assertThat(d.waiting().get("uid-b")).contains("template t allows 2 running instance(s)", "maxRunning");
  }

  @Test
  void loweringAQuotaStopsNoOneAndHoldsNewStarts() {
    Decision d = QuotaAdmission.decide(List.of(runs("a", "t", "alice", "1", 0), runs("b", "t", "bob", "2", 0),
        wants("c", "t", "carol", "3", 0)), Map.of("t", new TemplateQuota(1, null)), List.of());
    assertThat(d.admitted()).containsExactlyInAnyOrder("uid-a", "uid-b");
    assertThat(d.waiting()).containsOnlyKeys("uid-c");
  }

  @Test
  void aStoppedInstanceFreesItsSlotForTheNextInLine() {
    Candidate stopped = new Candidate("uid-a", "a", "t", "alice", "1", true, false, 0, 0);
    Decision d = QuotaAdmission.decide(List.of(stopped, wants("b", "t", "bob", "2", 0), wants("c", "t", "carol", "3", 0)),
        Map.of("t", new TemplateQuota(1, null)), List.of());
    assertThat(d.admitted()).containsExactly("uid-b");
    assertThat(d.waiting()).containsOnlyKeys("uid-c");
  }

  @Test
  void aPerUserQuotaHoldsOnlyThatUsersLaterInstances() {
    Decision d = QuotaAdmission.decide(List.of(runs("a1", "t", "alice", "1", 0), wants("a2", "t", "alice", "2", 0),
        wants("b1", "t", "bob", "3", 0)), Map.of("t", new TemplateQuota(null, 1)), List.of());
    assertThat(d.admitted()).containsExactlyInAnyOrder("uid-a1", "uid-b1");
    assertThat(d.waiting().get("uid-a2")).contains("per user", "maxPerUser");
  }

  @Test
  void aNamespaceGpuQuotaCountsAcrossTemplatesAndAnEarlierBigRequestIsNotOvertaken() {
    NamespaceQuota q = new NamespaceQuota("team", 4, null, null, null);
    Decision d = QuotaAdmission.decide(List.of(runs("x", "llm", "carol", "0", 2), wants("big", "llm", "alice", "1", 4),
        wants("small", "sd", "bob", "2", 1), wants("cpu", "notebook", "dan", "3", 0)), Map.of(), List.of(q));
    assertThat(d.admitted()).containsExactlyInAnyOrder("uid-x", "uid-cpu");
    assertThat(d.waiting()).containsOnlyKeys("uid-big", "uid-small");
    assertThat(d.waiting().get("uid-big")).contains("AigcQuota team allows 4 GPU(s)");
  }

  @Test
  void sharedGpuMemoryIsCountedPerUserAndInTotal() {
    NamespaceQuota q = new NamespaceQuota("team", null, 40, null, 16);
    Candidate a1 = new Candidate("uid-a1", "a1", "sd", "alice", "1", false, true, 0, 12);
    Candidate a2 = new Candidate("uid-a2", "a2", "sd2", "alice", "2", false, true, 0, 12);
    Candidate b1 = new Candidate("uid-b1", "b1", "sd", "bob", "3", false, true, 0, 12);
    Decision d = QuotaAdmission.decide(List.of(a1, a2, b1), Map.of(), List.of(q));
    assertThat(d.admitted()).containsExactlyInAnyOrder("uid-a1", "uid-b1");
    assertThat(d.waiting().get("uid-a2")).contains("16 GiB of shared GPU memory running at once per user");
  }

  // -- properties over random namespaces

  record World(List<Candidate> candidates, Map<String, TemplateQuota> templates, List<NamespaceQuota> quotas) {}

  @Provide
  Arbitrary<World> worlds() {
    Arbitrary<Integer> bound = Arbitraries.integers().between(0, 4).injectNull(0.3);
    Arbitrary<TemplateQuota> templateQuota = Combinators.combine(bound, bound).as(TemplateQuota::new).injectNull(0.3);
    Arbitrary<Integer> gpuBound = Arbitraries.integers().between(0, 8).injectNull(0.3);
    Arbitrary<NamespaceQuota> nsQuota = Combinators.combine(Arbitraries.of("q1", "q2"), gpuBound, gpuBound, gpuBound, gpuBound)
        .as(NamespaceQuota::new);
    Arbitrary<Candidate> candidate = Combinators.combine(Arbitraries.integers().between(0, 999),
        Arbitraries.of("t1", "t2", "t3"), Arbitraries.of("alice", "bob", "carol"), Arbitraries.integers().between(0, 20),
        Arbitraries.of(true, false), Arbitraries.of(true, true, false), Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, 3))
        .as((n, t, o, created, running, wants, gpus, mem) -> new Candidate("uid-" + n, "i" + n, t, o,
            String.format("%03d", created), running, wants, gpus, mem));
    return Combinators.combine(candidate.list().ofMaxSize(14).uniqueElements(Candidate::uid),
        Combinators.combine(templateQuota, templateQuota, templateQuota).as((a, b, c) -> {
          Map<String, TemplateQuota> m = new HashMap<>();
          if (a != null) m.put("t1", a);
          if (b != null) m.put("t2", b);
          if (c != null) m.put("t3", c);
          return m;
        }), nsQuota.list().ofMaxSize(2).uniqueElements(NamespaceQuota::name)).as(World::new);
  }

  @Property(tries = 500, seed = "20250611")
  void runningInstancesAreNeverStoppedByAQuota(@ForAll("worlds") World w) {
    Decision d = QuotaAdmission.decide(w.candidates(), w.templates(), w.quotas());
    for (Candidate c : w.candidates()) {
      if (c.running() && c.wantsToRun()) assertThat(d.admitted()).contains(c.uid());
      if (!c.wantsToRun()) assertThat(d.admitted()).doesNotContain(c.uid());
      if (c.wantsToRun()) assertThat(d.admitted().contains(c.uid()) ^ d.waiting().containsKey(c.uid())).isTrue();
    }
  }

  /** A bound may stay exceeded only by instances that ran before it was lowered; a start never adds to it. */
  @Property(tries = 500, seed = "20250612")
  void noStartEverExceedsAQuota(@ForAll("worlds") World w) {
    Decision d = QuotaAdmission.decide(w.candidates(), w.templates(), w.quotas());
    List<Candidate> admitted = w.candidates().stream().filter(c -> d.admitted().contains(c.uid())).toList();
    for (var e : w.templates().entrySet()) {
      String t = e.getKey();
      checkBound(admitted, c -> c.template().equals(t) ? 1 : 0, e.getValue().maxRunning());
      for (String owner : List.of("alice", "bob", "carol")) {
        checkBound(admitted, c -> c.template().equals(t) && c.owner().equals(owner) ? 1 : 0, e.getValue().maxPerUser());
      }
    }
    for (NamespaceQuota q : w.quotas()) {
      checkBound(admitted, Candidate::gpus, q.gpus());
      checkBound(admitted, Candidate::gpuMemoryGiB, q.gpuMemoryGiB());
      for (String owner : List.of("alice", "bob", "carol")) {
        checkBound(admitted, c -> c.owner().equals(owner) ? c.gpus() : 0, q.gpusPerUser());
        checkBound(admitted, c -> c.owner().equals(owner) ? c.gpuMemoryGiB() : 0, q.gpuMemoryGiBPerUser());
      }
    }
  }

  private static void checkBound(List<Candidate> admitted, ToIntFunction<Candidate> use, Integer limit) {
    if (limit == null) return;
    int total = admitted.stream().mapToInt(use).sum();
    int before = admitted.stream().filter(Candidate::running).mapToInt(use).sum();
    int started = total - before;
    if (started > 0) assertThat(total).as("a start took a quota past its limit").isLessThanOrEqualTo(limit);
  }

  /** First come, first served: an instance that starts now has no earlier one waiting for a quota it also counts against. */
  @Property(tries = 500, seed = "20250613")
  void noLaterInstanceOvertakesAnEarlierOneWaitingForTheSameQuota(@ForAll("worlds") World w) {
    Decision d = QuotaAdmission.decide(w.candidates(), w.templates(), w.quotas());
    List<Candidate> started = new ArrayList<>(w.candidates().stream()
        .filter(c -> !c.running() && d.admitted().contains(c.uid())).toList());
    for (Candidate waiting : w.candidates()) {
      if (!d.waiting().containsKey(waiting.uid())) continue;
      for (Candidate later : started) {
        if (QuotaAdmission.FIRST_COME.compare(later, waiting) < 0) continue;
        // had `later` shared the bound that holds `waiting`, it would have been held too
        assertThat(sharesBound(waiting, later, d.waiting().get(waiting.uid()))).as(later.name() + " overtook " + waiting.name()).isFalse();
      }
    }
  }

  private static boolean sharesBound(Candidate waiting, Candidate later, String message) {
    if (message.contains("maxRunning")) return later.template().equals(waiting.template());
    if (message.contains("maxPerUser")) return later.template().equals(waiting.template()) && later.owner().equals(waiting.owner());
    if (message.contains("(spec.gpus)")) return later.gpus() > 0;
    if (message.contains("(spec.gpusPerUser)")) return later.gpus() > 0 && later.owner().equals(waiting.owner());
    if (message.contains("(spec.gpuMemoryGiB)")) return later.gpuMemoryGiB() > 0;
    return later.gpuMemoryGiB() > 0 && later.owner().equals(waiting.owner());
  }
}
