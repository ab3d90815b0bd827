package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether an instance is suspended for idleness, from its template's idle policy, the activity the
 * gateway published ({@code status.lastActivity}) and what the operator recorded before
 * ({@code status.suspendedAt}). Pure: the instance reconciler writes what this returns.
 *
 * <p>A suspended instance keeps its spec (invariant 5): it is held like a stopped one (its ID reserved,
 * its disk kept) until activity newer than its suspension arrives, which is how the gateway wakes it.
 */
public final class IdleSuspension {
  /** The shortest idle limit a template or an instance may set. */
  public static final Duration MINIMUM = Duration.ofMinutes(1);
  /**
   * How far the true last request may be ahead of the published one: a gateway publishes when its
   * newest activity is a minute past the published time ({@code ActivityPublisher}), looking every
   * few seconds. Suspension waits this much longer, so that nobody is suspended before the limit.
   */
  public static final Duration PUBLISH_LAG = Duration.ofSeconds(70);

  /**
   * How long a request may take to show in status.lastActivity when nothing held it back: a
   * gateway's tick and its write reaching the operator's cache. A request this close before a
   * suspension is seen only after it, and still wakes the instance: its owner was there.
   */
  public static final Duration WAKE_GRACE = Duration.ofSeconds(15);

  private IdleSuspension() {}

  /** What happened now, for the Event and the metrics. */
  public enum Change { NONE, SUSPENDED, WOKEN, RESUMED_BY_POLICY }

  /**
   * @param suspendedAt what status.suspendedAt must say (null: not suspended)
   * @param limit the idle limit that applies, null when none does
   * @param adjusted why the instance's own suspendAfter was not used as it is, or null
   * @param dueAt when to look again because the instance becomes due for suspension then, or null
   */
  public record Verdict(String suspendedAt, Limit limit, Instant dueAt, Change change) {
    public boolean suspended() {
      return suspendedAt != null;
    }
  }

  /** The idle limit of one instance: its text (as the spec wrote it), its length, and a note when bounded. */
  public record Limit(String text, Duration duration, String adjusted) {}

  /**
   * The limit for an instance that asks for {@code own} (null: the template's) under {@code idle};
   * null without a policy. An own value outside [minSuspendAfter, maxSuspendAfter] (each defaulting
   * to suspendAfter, so no override at all unless the admin allows one) is brought to the nearest bound.
   */
  public static Limit limit(IdleSpec idle, String own) {
    if (idle == null || !valid(idle)) return null;
    Duration base = Durations.parse(idle.getSuspendAfter());
    if (base == null) return null;
    Limit template = new Limit(idle.getSuspendAfter(), base, null);
    Duration wanted = Durations.parse(own);
    if (wanted == null) return template;
    String minText = idle.getMinSuspendAfter() == null ? idle.getSuspendAfter() : idle.getMinSuspendAfter();
    String maxText = idle.getMaxSuspendAfter() == null ? idle.getSuspendAfter() : idle.getMaxSuspendAfter();
    Duration min = Durations.parse(minText);
    Duration max = Durations.parse(maxText);
    if (min != null && wanted.compareTo(min) < 0) {
      return new Limit(minText, min, "spec.suspendAfter " + own + " is below the template's shortest allowed (" + minText + "); " + minText + " applies");
    }
    if (max != null && wanted.compareTo(max) > 0) {
      return new Limit(maxText, max, "spec.suspendAfter " + own + " is above the template's longest allowed (" + maxText + "); " + maxText + " applies");
    }
    return new Limit(own, wanted, null);
  }

  /**
   * Whether the policy is one the validator accepts (TemplateValidator): every duration at least
   * {@link #MINIMUM}, and minSuspendAfter <= suspendAfter <= maxSuspendAfter. An invalid one changes
   * nothing (invariant 9): no new suspension, and no wake because of it.
   */
  public static boolean valid(IdleSpec idle) {
    Duration base = Durations.parse(idle.getSuspendAfter());
    if (base == null || base.compareTo(MINIMUM) < 0) return false;
    Duration min = idle.getMinSuspendAfter() == null ? base : Durations.parse(idle.getMinSuspendAfter());
    Duration max = idle.getMaxSuspendAfter() == null ? base : Durations.parse(idle.getMaxSuspendAfter());
    return min != null && max != null && min.compareTo(MINIMUM) >= 0 && min.compareTo(base) <= 0 && max.compareTo(base) >= 0;
  }

  /**
   * @param runningSince when the instance last became Running (its Ready condition's transition), null if it is not Running
   */
  public static Verdict decide(AigcInstance instance, AigcTemplate template, Instant runningSince, Instant now) {
    var status = instance.getStatus();
    String suspendedAt = status == null ? null : status.getSuspendedAt();
    IdleSpec idle = template == null || template.getSpec() == null || template.getSpec().getDedicated() == null
        ? null : template.getSpec().getDedicated().getIdle();
    Limit limit = limit(idle, instance.getSpec().getSuspendAfter());
    boolean deleting = instance.getMetadata().getDeletionTimestamp() != null;
    if (deleting) return new Verdict(suspendedAt, limit, null, Change.NONE);
    if (instance.getSpec().getState() == InstanceState.Stopped) return new Verdict(null, limit, null, Change.NONE);
    boolean invalid = idle != null && limit == null;
    if (suspendedAt != null) {
      if (limit == null && !invalid) return new Verdict(null, null, null, Change.RESUMED_BY_POLICY);
      Instant activity = parse(status.getLastActivity());
      Instant suspended = parse(suspendedAt);
      // activity after the suspension is the owner opening it: the gateway's way of waking it; so is
      // a request moments before it that the gateway published late (a suspension looks at activity
      // older than PUBLISH_LAG + the limit, so nothing that recent was known when it was decided)
      if (activity != null && (suspended == null || activity.isAfter(suspended.minus(WAKE_GRACE)))) {
        return new Verdict(null, limit, null, Change.WOKEN);
      }
      return new Verdict(suspendedAt, limit, null, Change.NONE);
    }
    if (limit == null || runningSince == null || status == null || status.getPhase() != InstancePhase.Running) {
      return new Verdict(null, limit, null, Change.NONE);
    }
    Instant idleSince = runningSince;
    Instant published = parse(status.getLastActivity());
    if (published != null && published.plus(PUBLISH_LAG).isAfter(idleSince)) idleSince = published.plus(PUBLISH_LAG);
    Instant due = idleSince.plus(limit.duration());
    if (now.isBefore(due)) return new Verdict(null, limit, due, Change.NONE);
    return new Verdict(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), limit, null, Change.SUSPENDED);
  }

  /** How long it went unused when it was suspended: from its last published activity, or from its start. */
  public static Duration idleFor(String lastActivity, Instant runningSince, Instant suspendedAt) {
    Instant from = parse(lastActivity);
    if (from == null || (runningSince != null && runningSince.isAfter(from))) from = runningSince;
    return from == null || suspendedAt == null ? null : Duration.between(from, suspendedAt);
  }

  /** An RFC 3339 time, or null when absent or unreadable. */
  public static Instant parse(String rfc3339) {
    if (rfc3339 == null) return null;
    try {
      return java.time.OffsetDateTime.parse(rfc3339).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
