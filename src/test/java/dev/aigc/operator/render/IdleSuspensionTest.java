package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;
import org.junit.jupiter.api.Test;

/** The idle decision alone: which limit applies, and when an instance is suspended and woken. */
class IdleSuspensionTest {
  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final Duration LAG = IdleSuspension.PUBLISH_LAG;

  private static IdleSpec idle(String suspendAfter, String min, String max) {
    return IdleSpec.of(suspendAfter, min, max);
  }

  private static AigcTemplate template(IdleSpec idle) {
    AigcTemplate t = GameServerSetRendererTest.example("stable-diffusion-cpu");
    t.getSpec().getDedicated().setIdle(idle);
    return t;
  }

  /** alice's instance, Running since {@link #START}, with the activity the gateway published (or none). */
  private static AigcInstance running(Instant lastActivity) {
    AigcInstance i = InstanceFixtures.instance(InstanceState.Running);
    AigcInstanceStatus s = new AigcInstanceStatus();
    s.setPhase(InstancePhase.Running);
    s.setInstanceId(0);
    s.setLastActivity(lastActivity == null ? null : lastActivity.toString());
    i.setStatus(s);
    return i;
  }

  private static AigcInstance suspended(Instant at, Instant lastActivity) {
    AigcInstance i = running(lastActivity);
    i.getStatus().setPhase(InstancePhase.Suspended);
    i.getStatus().setSuspendedAt(at.toString());
    return i;
  }

  private static IdleSuspension.Verdict decide(AigcInstance i, IdleSpec idle, Instant now) {
    Instant since = i.getStatus().getPhase() == InstancePhase.Running ? START : null;
    return IdleSuspension.decide(i, template(idle), since, now);
  }

  /** A policy the validator refuses (the schema's pattern lets 0s and 30s through) changes nothing (invariant 9). */
  @Test
  void anInvalidPolicySuspendsNobodyAndWakesNobody() {
    IdleSpec tooShort = idle("0s", null, null);
    assertThat(IdleSuspension.valid(tooShort)).isFalse();
    assertThat(IdleSuspension.valid(idle("30m", "30s", null))).isFalse();
    assertThat(IdleSuspension.valid(idle("30m", "1h", null))).isFalse();
    assertThat(decide(running(null), tooShort, START.plus(Duration.ofDays(1))).suspended()).isFalse();
    Instant at = START.plus(Duration.ofHours(1));
    IdleSuspension.Verdict still = decide(suspended(at, START), tooShort, at.plus(Duration.ofHours(1)));
    assertThat(still.suspended()).as("not woken because the policy became unreadable").isTrue();
    assertThat(still.change()).isEqualTo(IdleSuspension.Change.NONE);
    assertThat(decide(suspended(at, at.plusSeconds(5)), tooShort, at.plusSeconds(6)).change())
        .as("its owner still wakes it").isEqualTo(IdleSuspension.Change.WOKEN);
  }

  // --- limit ---

  @Test
  void withoutAPolicyThereIsNoLimitWhateverTheInstanceAsks() {
    assertThat(IdleSuspension.limit(null, "10m")).isNull();
  }

  @Test
  void anInstanceWithoutItsOwnValueGetsTheTemplates() {
    IdleSuspension.Limit l = IdleSuspension.limit(idle("30m", "10m", "2h"), null);
    assertThat(l.text()).isEqualTo("30m");
    assertThat(l.duration()).isEqualTo(LIMIT);
    assertThat(l.adjusted()).isNull();
  }

  @Test
  void anOwnValueWithinTheBoundsAppliesAsItIs() {
    IdleSuspension.Limit l = IdleSuspension.limit(idle("30m", "10m", "2h"), "1h30m");
    assertThat(l.text()).isEqualTo("1h30m");
    assertThat(l.duration()).isEqualTo(Duration.ofMinutes(90));
    assertThat(l.adjusted()).isNull();
    assertThat(IdleSuspension.limit(idle("30m", "10m", "2h"), "10m").adjusted()).as("a bound itself is within").isNull();
    assertThat(IdleSuspension.limit(idle("30m", "10m", "2h"), "2h").adjusted()).isNull();
  }

  @Test
  void anOwnValueBelowTheShortestAllowedIsBroughtUpToItWithANote() {
    IdleSuspension.Limit l = IdleSuspension.limit(idle("30m", "10m", "2h"), "5m");
    assertThat(l.text()).isEqualTo("10m");
    assertThat(l.duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(l.adjusted()).contains("spec.suspendAfter 5m", "below", "10m applies");
  }

  @Test
  void anOwnValueAboveTheLongestAllowedIsBroughtDownToItWithANote() {
    IdleSuspension.Limit l = IdleSuspension.limit(idle("30m", "10m", "2h"), "1d");
    assertThat(l.text()).isEqualTo("2h");
    assertThat(l.duration()).isEqualTo(Duration.ofHours(2));
    assertThat(l.adjusted()).contains("spec.suspendAfter 1d", "above", "2h applies");
  }

  @Test
  void anAbsentBoundAllowsNoOverrideInThatDirection() {
    IdleSpec onlyLonger = idle("30m", null, "2h");
    assertThat(IdleSuspension.limit(onlyLonger, "1h").text()).isEqualTo("1h");
    IdleSuspension.Limit shorter = IdleSuspension.limit(onlyLonger, "10m");
    assertThat(shorter.text()).isEqualTo("30m");
    assertThat(shorter.adjusted()).contains("below");

    IdleSpec onlyShorter = idle("30m", "10m", null);
    assertThat(IdleSuspension.limit(onlyShorter, "10m").text()).isEqualTo("10m");
    IdleSuspension.Limit longer = IdleSuspension.limit(onlyShorter, "1h");
    assertThat(longer.text()).isEqualTo("30m");
    assertThat(longer.adjusted()).contains("above");

    assertThat(IdleSuspension.limit(idle("30m", null, null), "1h").text()).as("no bounds: no override").isEqualTo("30m");
  }

  // --- decide ---

  @Test
  void notSuspendedBeforeTheLimitAndSuspendedAtIt() {
    IdleSpec idle = idle("30m", null, null);
    IdleSuspension.Verdict before = decide(running(null), idle, START.plus(LIMIT).minusMillis(1));
    assertThat(before.suspended()).isFalse();
    assertThat(before.change()).isEqualTo(IdleSuspension.Change.NONE);
    assertThat(before.dueAt()).as("looked at again when due").isEqualTo(START.plus(LIMIT));

    IdleSuspension.Verdict at = decide(running(null), idle, START.plus(LIMIT));
    assertThat(at.suspended()).isTrue();
    assertThat(at.change()).isEqualTo(IdleSuspension.Change.SUSPENDED);
    assertThat(at.suspendedAt()).isEqualTo(START.plus(LIMIT).toString());
    assertThat(at.dueAt()).isNull();
  }

  @Test
  void publishedActivityCountsFromItsTimePlusThePublishLag() {
    IdleSpec idle = idle("30m", null, null);
    Instant active = START.plus(Duration.ofMinutes(20));
    Instant due = active.plus(LAG).plus(LIMIT);
    IdleSuspension.Verdict before = decide(running(active), idle, due.minusSeconds(1));
    assertThat(before.suspended()).as("the true last request may be up to PUBLISH_LAG later than the published one").isFalse();
    assertThat(before.dueAt()).isEqualTo(due);
    assertThat(decide(running(active), idle, due).suspended()).isTrue();
  }

  @Test
  void activityOlderThanTheStartDoesNotShortenTheLimit() {
    // activity from before a stop and start: the limit runs from the start
    IdleSuspension.Verdict v = decide(running(START.minus(Duration.ofHours(5))), idle("30m", null, null), START.plus(LIMIT).minusSeconds(1));
    assertThat(v.suspended()).isFalse();
    assertThat(v.dueAt()).isEqualTo(START.plus(LIMIT));
  }

  @Test
  void theInstancesOwnLimitApplies() {
    AigcInstance i = running(null);
    i.getSpec().setSuspendAfter("1h");
    IdleSpec idle = idle("30m", null, "2h");
    assertThat(decide(i, idle, START.plus(LIMIT)).suspended()).isFalse();
    IdleSuspension.Verdict v = decide(i, idle, START.plus(Duration.ofHours(1)));
    assertThat(v.suspended()).isTrue();
    assertThat(v.limit().text()).isEqualTo("1h");
  }

  @Test
  void activityAfterTheSuspensionWakesItActivityBeforeItDoesNot() {
    IdleSpec idle = idle("30m", null, null);
    Instant at = START.plus(Duration.ofHours(1));
    IdleSuspension.Verdict stays = decide(suspended(at, at.minus(Duration.ofMinutes(40))), idle, at.plus(Duration.ofHours(3)));
    assertThat(stays.suspended()).isTrue();
    assertThat(stays.suspendedAt()).as("the time it was suspended is kept").isEqualTo(at.toString());
    assertThat(stays.change()).isEqualTo(IdleSuspension.Change.NONE);
    // a request just before the suspension, published after it (a gateway's tick): its owner was there
    assertThat(decide(suspended(at, at.minusSeconds(5)), idle, at.plusSeconds(5)).change()).isEqualTo(IdleSuspension.Change.WOKEN);
    assertThat(decide(suspended(at, at.minus(IdleSuspension.WAKE_GRACE)), idle, at.plusSeconds(5)).suspended())
        .as("activity the suspension already knew of does not wake it").isTrue();
    assertThat(decide(suspended(at, null), idle, at.plusSeconds(5)).suspended()).isTrue();

    IdleSuspension.Verdict woken = decide(suspended(at, at.plusSeconds(1)), idle, at.plusSeconds(2));
    assertThat(woken.suspended()).isFalse();
    assertThat(woken.change()).isEqualTo(IdleSuspension.Change.WOKEN);
  }

  @Test
  void stoppingClearsTheSuspension() {
    AigcInstance i = suspended(START, null);
    i.getSpec().setState(InstanceState.Stopped);
    IdleSuspension.Verdict v = decide(i, idle("30m", null, null), START.plusSeconds(10));
    assertThat(v.suspended()).isFalse();
    assertThat(v.change()).isEqualTo(IdleSuspension.Change.NONE);
    assertThat(InstanceClaim.of(i).wantsToRun()).isFalse();
  }

  @Test
  void removingIdleFromTheTemplateWakesSuspendedInstances() {
    IdleSuspension.Verdict v = decide(suspended(START, null), null, START.plusSeconds(10));
    assertThat(v.suspended()).isFalse();
    assertThat(v.change()).isEqualTo(IdleSuspension.Change.RESUMED_BY_POLICY);
    assertThat(v.limit()).isNull();
  }

  @Test
  void anInstanceThatIsNotRunningIsNeverSuspended() {
    IdleSpec idle = idle("30m", null, null);
    Instant late = START.plus(Duration.ofDays(3));
    for (InstancePhase phase : List.of(InstancePhase.Pending, InstancePhase.Starting, InstancePhase.Failed, InstancePhase.Stopping)) {
      AigcInstance i = running(null);
      i.getStatus().setPhase(phase);
      assertThat(IdleSuspension.decide(i, template(idle), null, late).suspended()).as(phase.name()).isFalse();
      assertThat(IdleSuspension.decide(i, template(idle), START, late).suspended()).as(phase + " with a stale start").isFalse();
    }
    AigcInstance noStatus = InstanceFixtures.instance(InstanceState.Running);
    assertThat(IdleSuspension.decide(noStatus, template(idle), START, late).suspended()).isFalse();
    AigcInstance deleting = running(null);
    deleting.getMetadata().setDeletionTimestamp(START.toString());
    assertThat(IdleSuspension.decide(deleting, template(idle), START, late).suspended()).isFalse();
  }

  @Test
  void aSuspendedInstanceIsHeldLikeAStoppedOneWhileItsSpecStaysRunning() {
    AigcInstance i = suspended(START, null);
    assertThat(i.getSpec().getState()).isEqualTo(InstanceState.Running);
    assertThat(InstanceClaim.of(i).wantsToRun()).isFalse();
    i.getStatus().setSuspendedAt(null);
    assertThat(InstanceClaim.of(i).wantsToRun()).isTrue();
  }

  // --- never before the limit, whatever the history ---

  /** One moment of a history: the gateway publishes activity, or the operator looks (reconciles). */
  record Step(long atSeconds, boolean publish) {}

  /**
   * Replays a history against the decision, feeding each verdict back as the status the operator
   * wrote, as the reconciler does: whenever it suspends, the last activity published before that
   * moment plus PUBLISH_LAG plus the limit, and the start plus the limit, are not after now.
   */
  @Property(tries = 2000)
  void neverSuspendsBeforeTheLastPublishedActivityPlusLagPlusLimit(
      @ForAll("histories") List<Step> steps, @ForAll("limits") int limitMinutes, @ForAll("starts") long startSeconds) {
    IdleSpec idle = idle(limitMinutes + "m", null, null);
    Duration limit = Duration.ofMinutes(limitMinutes);
    AigcTemplate template = template(idle);
    Instant runningSince = START.plusSeconds(startSeconds);
    AigcInstance i = running(null);
    List<Step> ordered = steps.stream().sorted(java.util.Comparator.comparingLong(Step::atSeconds)).toList();
    for (Step step : ordered) {
      Instant now = START.plusSeconds(step.atSeconds());
      if (step.publish()) {
        i.getStatus().setLastActivity(now.toString());
        continue;
      }
      boolean runs = i.getStatus().getPhase() == InstancePhase.Running && !now.isBefore(runningSince);
      AigcInstanceStatus before = i.getStatus();
      InstancePhase phase = before.getPhase();
      if (phase == InstancePhase.Running && !runs) before.setPhase(InstancePhase.Starting);
      IdleSuspension.Verdict v = IdleSuspension.decide(i, template, runs ? runningSince : null, now);
      before.setPhase(phase);
      if (v.change() == IdleSuspension.Change.SUSPENDED) {
        Instant published = IdleSuspension.parse(before.getLastActivity());
        assertThat(runningSince.plus(limit)).isBeforeOrEqualTo(now);
        if (published != null) assertThat(published.plus(LAG).plus(limit)).isBeforeOrEqualTo(now);
      }
      if (v.suspended()) {
        assertThat(phase == InstancePhase.Running || before.getSuspendedAt() != null).as("only a Running instance is suspended").isTrue();
      }
      before.setSuspendedAt(v.suspendedAt());
      if (v.suspended()) {
        before.setPhase(InstancePhase.Suspended);
      } else if (phase == InstancePhase.Suspended) {
        // woken: it runs again from this moment
        before.setPhase(InstancePhase.Running);
        runningSince = now;
      }
    }
  }

  @Provide
  Arbitrary<List<Step>> histories() {
    Arbitrary<Step> step = Combinators.combine(Arbitraries.longs().between(0, 6 * 3600), Arbitraries.of(true, false)).as(Step::new);
    return step.list().ofMaxSize(60);
  }

  @Provide
  Arbitrary<Integer> limits() {
    return Arbitraries.integers().between(1, 120);
  }

  @Provide
  Arbitrary<Long> starts() {
    return Arbitraries.longs().between(0, 3600);
  }
}
