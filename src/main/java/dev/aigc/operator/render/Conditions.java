package dev.aigc.operator.render;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Kubernetes-style conditions; a condition keeps its lastTransitionTime while its status stays. */
public final class Conditions {
  public static final String READY = "Ready";
  /** kstatus: still converging; GitOps tools wait. */
  public static final String RECONCILING = "Reconciling";
  /** kstatus: cannot get there without a human (invalid spec, unknown template, persistent API errors). */
  public static final String STALLED = "Stalled";
  public static final String ALLOCATED = "Allocated";
  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private Conditions() {}

  public static final String UNKNOWN = "Unknown";
  public static final String SHARED_ENDPOINT_READY = "SharedEndpointReady";

  /** Returns a copy of {@code current} with the condition {@code type} set. */
  public static List<Condition> with(
      List<Condition> current, String type, boolean status, String reason, String message, Long generation, String now) {
    return with(current, type, status ? TRUE : FALSE, reason, message, generation, now);
  }

  /** As above, with the status as text: True, False or Unknown. */
  public static List<Condition> with(
      List<Condition> current, String type, String statusText, String reason, String message, Long generation, String now) {
    Condition previous = find(current, type);
    String since = previous != null && statusText.equals(previous.getStatus()) ? previous.getLastTransitionTime() : now;
    Condition condition =
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build();
    List<Condition> result = new ArrayList<>();
    boolean replaced = false;
    for (Condition c : current == null ? List.<Condition>of() : current) {
      if (Objects.equals(c.getType(), type)) {
        result.add(condition);
        replaced = true;
      } else {
        result.add(c);
      }
    }
    if (!replaced) result.add(condition);
    return result;
  }

  /** Where an object stands, as GitOps tools read it (DESIGN invariant 11). */
  public enum Progress { READY, RECONCILING, STALLED }

  /**
   * Sets Ready, Reconciling and Stalled together, so that they never contradict one another: the one
   * that holds carries the reason and message, the others are False with the same reason.
   */
  public static List<Condition> withProgress(
      List<Condition> current, Progress progress, String reason, String message, Long generation, String now) {
    List<Condition> result = with(current, READY, progress == Progress.READY, reason, message, generation, now);
    result = with(result, RECONCILING, progress == Progress.RECONCILING, reason, message, generation, now);
    return with(result, STALLED, progress == Progress.STALLED, reason, message, generation, now);
  }

  /** Returns a copy of {@code current} without the condition {@code type}. */
  public static List<Condition> without(List<Condition> current, String type) {
    if (current == null) return List.of();
    return current.stream().filter(c -> !Objects.equals(c.getType(), type)).toList();
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) return null;
    return conditions.stream().filter(c -> Objects.equals(c.getType(), type)).findFirst().orElse(null);
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    Condition c = find(conditions, type);
    return c != null && TRUE.equals(c.getStatus());
  }
}
