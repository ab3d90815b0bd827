package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.api.UpgradePolicy;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Whether an instance runs its template's current version, from the version its pod was made from
 * ({@link PodTemplateVersion}), and what its owner or the operator should do about it: the
 * {@code UpdateAvailable} condition, and when the template forces the update.
 */
public final class UpgradeStatus {
  public static final String UPDATE_AVAILABLE = "UpdateAvailable";
  public static final String UP_TO_DATE = "UpToDate";
  public static final String RESTART_TO_UPDATE = "RestartToUpdate";
  public static final String UPDATING = "Updating";
  public static final String VERSION_UNKNOWN = "VersionUnknown";

  /**
   * @param generation the pod's version (null: the pod predates versions)
   * @param conditions the instance's conditions with UpdateAvailable set, or without it when there is no pod
   * @param forceAt when the operator restarts the pod onto the new version, or null
   */
  public record Result(Long generation, List<Condition> conditions, Instant forceAt) {
    public boolean outdated() {
      return Conditions.isTrue(conditions, UPDATE_AVAILABLE);
    }
  }

  private UpgradeStatus() {}

  /**
   * @param podAnnotations the annotations of the instance's pod, null when it has none (stopped, starting)
   * @param instanceGeneration for the condition's observedGeneration
   */
  public static Result of(List<Condition> conditions, AigcTemplate template, Map<String, String> podAnnotations,
      Long instanceGeneration, String now) {
    AigcTemplateStatus templateStatus = template == null ? null : template.getStatus();
    Long current = templateStatus == null ? null : templateStatus.getDedicatedGeneration();
    if (podAnnotations == null || current == null || template.getSpec() == null) {
      return new Result(null, Conditions.without(conditions, UPDATE_AVAILABLE), null);
    }
    Long running = PodTemplateVersion.generationOf(podAnnotations);
    if (running == null) {
      // made by an operator version that did not record versions: what it runs is not known, and
      // telling every user of an upgraded operator to restart for nothing would be worse
      return new Result(null, Conditions.with(conditions, UPDATE_AVAILABLE, Conditions.UNKNOWN, VERSION_UNKNOWN,
          "the pod predates version tracking; a restart puts it on the template's current version (generation " + current + ")",
          instanceGeneration, now), null);
    }
    if (running >= current) {
      return new Result(running, Conditions.with(conditions, UPDATE_AVAILABLE, false, UP_TO_DATE,
          "runs the template's current version (generation " + running + ")", instanceGeneration, now), null);
    }
    UpgradePolicy policy = template.getSpec().effectiveUpgradePolicy();
    List<String> changes = PodTemplateVersion.changes(podAnnotations, templateStatus.getDedicatedParts());
    String what = "template generation " + running + " -> " + current
        + (changes.isEmpty() ? "" : " changes " + String.join(", ", changes));
    Duration force = Durations.parse(template.getSpec().getForceUpgradeAfter());
    String reason = policy == UpgradePolicy.Immediate ? UPDATING : RESTART_TO_UPDATE;
    String message = switch (policy) {
      case Immediate -> what + "; OKG is updating the pod";
      case WhenIdle -> what + (template.getSpec().getDedicated() != null && template.getSpec().getDedicated().getIdle() != null
          ? "; applied when the instance is next suspended for idleness, or restart to update now"
          : "; upgradePolicy WhenIdle applies updates at idle suspension, which spec.dedicated.idle does not turn on: restart to update");
      case OnRestart -> what + "; restart to update";
    };
    List<Condition> updated = Conditions.with(conditions, UPDATE_AVAILABLE, true, reason, message, instanceGeneration, now);
    Instant forceAt = null;
    if (force != null && policy != UpgradePolicy.Immediate) {
      forceAt = Instant.parse(Conditions.find(updated, UPDATE_AVAILABLE).getLastTransitionTime()).plus(force);
      Condition c = Conditions.find(updated, UPDATE_AVAILABLE);
      updated = Conditions.with(updated, UPDATE_AVAILABLE, true, reason,
          c.getMessage() + "; the operator restarts it at " + forceAt + " (forceUpgradeAfter " + template.getSpec().getForceUpgradeAfter() + ")",
          instanceGeneration, now);
    }
    return new Result(running, updated, forceAt);
  }
}
