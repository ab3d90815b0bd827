package dev.aigc.operator.reconcile;

import dev.aigc.operator.render.Conditions.Progress;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * How a failed reconcile reads in status (DESIGN invariant 11): a conflict or a throttle is part of
 * converging; a refusal that retrying will not change (400, 403, 404, 422), or any error that keeps
 * coming back, needs a human and is Stalled. JOSDK keeps retrying either way.
 */
final class ApiErrors {
  /** Attempts after which a recurring error counts as persistent. */
  static final int PERSISTENT_AFTER = 3;
  private static final int MAX_MESSAGE = 512;

  private ApiErrors() {}

  record Verdict(Progress progress, String reason, String message) {}

  static Verdict verdict(Exception e, Context<?> context) {
    int attempts = context.getRetryInfo().map(r -> r.getAttemptCount()).orElse(0);
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof KubernetesClientException)) cause = cause.getCause();
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (message.length() > MAX_MESSAGE) message = message.substring(0, MAX_MESSAGE) + "...";
    if (cause instanceof KubernetesClientException k && k.getCode() > 0) {
      int code = k.getCode();
      boolean transientCode = code == 409 || code == 429 || code >= 500;
      boolean persistent = !transientCode || attempts >= PERSISTENT_AFTER;
      return new Verdict(persistent ? Progress.STALLED : Progress.RECONCILING, "ApiError" + code,
          "the API server answered " + code + " (retrying with back-off): " + message);
    }
    return new Verdict(attempts >= PERSISTENT_AFTER ? Progress.STALLED : Progress.RECONCILING, "ReconcileError",
        "reconcile failed (retrying with back-off): " + message);
  }
}
