package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AppSpec;
import dev.aigc.operator.api.ComputeSpec;
import dev.aigc.operator.api.DedicatedSpec;
import dev.aigc.operator.api.IngressSpec;
import dev.aigc.operator.api.Patterns;
import dev.aigc.operator.api.SharedSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of the CRD schema, checked again in Java: for the CLI (no API server), for clusters whose
 * CRD is older than the operator, and so that a reconcile never renders from a template the schema
 * would have refused. Each error names the field (DESIGN invariant 9).
 */
public final class TemplateValidator {
  private TemplateValidator() {}

  public static List<FieldError> validate(AigcTemplate template) {
    List<FieldError> errors = new ArrayList<>();
    String name = template.getMetadata() == null ? null : template.getMetadata().getName();
    if (name == null || !name.matches(Patterns.DNS_LABEL) || name.length() > 52) {
      errors.add(new FieldError("metadata.name", "must be a DNS label of at most 52 characters, got " + quote(name)));
    }
    var spec = template.getSpec();
    if (spec == null) {
      errors.add(new FieldError("spec", "is required"));
      return errors;
    }
    app(spec.getApp(), errors);
    compute(spec.getCompute(), errors);
    if (spec.getDedicated() == null && spec.getShared() == null) {
      errors.add(new FieldError("spec", "at least one of spec.dedicated and spec.shared is required"));
    }
    if (spec.getDedicated() != null) dedicated(spec.getDedicated(), errors);
    if (spec.getShared() != null) shared(spec.getShared(), errors);
    return errors;
  }

  private static void app(AppSpec app, List<FieldError> errors) {
    if (app == null) {
      errors.add(new FieldError("spec.app", "is required"));
      return;
    }
    if (app.getImage() == null || app.getImage().isBlank()) {
      errors.add(new FieldError("spec.app.image", "is required"));
    }
    if (app.getPort() != null && (app.getPort() < 1 || app.getPort() > 65535)) {
      errors.add(new FieldError("spec.app.port", "must be between 1 and 65535, got " + app.getPort()));
    }
  }

  private static void compute(ComputeSpec compute, List<FieldError> errors) {
    if (compute == null) return;
    quantity("spec.compute.cpu", compute.getCpu(), false, errors);
    quantity("spec.compute.memory", compute.getMemory(), false, errors);
    nonNegative("spec.compute.gpu", compute.getGpu(), errors);
    nonNegative("spec.compute.gpuMemory", compute.getGpuMemory(), errors);
    var requests = compute.getRequests();
    if (requests != null) {
      // a request above its limit makes every pod be refused by the API server, where nobody sees it
      notAbove("spec.compute.requests.cpu", requests.getCpu(), "spec.compute.cpu", compute.getCpu(), errors);
      notAbove("spec.compute.requests.memory", requests.getMemory(), "spec.compute.memory", compute.getMemory(), errors);
    }
  }

  private static void notAbove(String field, String value, String limitField, String limit, List<FieldError> errors) {
    quantity(field, value, false, errors);
    if (value == null || limit == null || !value.matches(Patterns.QUANTITY) || !limit.matches(Patterns.QUANTITY)) return;
    if (io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(value))
        .compareTo(io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(limit))) > 0) {
      errors.add(new FieldError(field, "must not exceed " + limitField + " (" + limit + "), got " + quote(value)));
    }
  }

  private static void dedicated(DedicatedSpec dedicated, List<FieldError> errors) {
    var storage = dedicated.getStorage();
    if (storage == null) {
      errors.add(new FieldError("spec.dedicated.storage", "is required"));
    } else {
      quantity("spec.dedicated.storage.size", storage.getSize(), true, errors);
      if (storage.getMountPath() == null || !storage.getMountPath().startsWith("/")) {
        errors.add(new FieldError("spec.dedicated.storage.mountPath", "must be an absolute path, got " + quote(storage.getMountPath())));
      }
    }
    idle(dedicated.getIdle(), errors);
    IngressSpec ingress = dedicated.getIngress();
    if (ingress == null) {
      errors.add(new FieldError("spec.dedicated.ingress", "is required"));
      return;
    }
    if (ingress.getHost() == null || !ingress.getHost().matches(Patterns.HOST_WITH_ID)) {
      errors.add(new FieldError("spec.dedicated.ingress.host",
          "must be a lower-case host containing <id> exactly once, got " + quote(ingress.getHost())));
    }
    if (ingress.getPath() != null && !ingress.getPath().startsWith("/")) {
      errors.add(new FieldError("spec.dedicated.ingress.path", "must start with /, got " + quote(ingress.getPath())));
    }
    if (ingress.getAnnotations() != null) {
      ingress.getAnnotations().forEach((key, value) -> {
        if (value != null && value.contains(": ")) {
          errors.add(new FieldError("spec.dedicated.ingress.annotations[" + key + "]", "must not contain ': '"));
        }
      });
    }
  }

  /** Each idle duration at least {@link IdleSuspension#MINIMUM}, and minSuspendAfter <= suspendAfter <= maxSuspendAfter. */
  private static void idle(dev.aigc.operator.api.IdleSpec idle, List<FieldError> errors) {
    if (idle == null) return;
    java.time.Duration base = idleDuration("spec.dedicated.idle.suspendAfter", idle.getSuspendAfter(), true, errors);
    java.time.Duration min = idleDuration("spec.dedicated.idle.minSuspendAfter", idle.getMinSuspendAfter(), false, errors);
    java.time.Duration max = idleDuration("spec.dedicated.idle.maxSuspendAfter", idle.getMaxSuspendAfter(), false, errors);
    if (base != null && min != null && min.compareTo(base) > 0) {
      errors.add(new FieldError("spec.dedicated.idle.minSuspendAfter", "must not exceed suspendAfter (" + idle.getSuspendAfter() + "), got " + quote(idle.getMinSuspendAfter())));
    }
    if (base != null && max != null && max.compareTo(base) < 0) {
      errors.add(new FieldError("spec.dedicated.idle.maxSuspendAfter", "must not be below suspendAfter (" + idle.getSuspendAfter() + "), got " + quote(idle.getMaxSuspendAfter())));
    }
  }

  private static java.time.Duration idleDuration(String field, String value, boolean required, List<FieldError> errors) {
    if (value == null) {
      if (required) errors.add(new FieldError(field, "is required"));
      return null;
    }
    java.time.Duration d = Durations.parse(value);
    if (d == null || d.compareTo(IdleSuspension.MINIMUM) < 0) {
      errors.add(new FieldError(field, "must be a duration of at least 1m such as 30m, 1h30m or 2d, got " + quote(value)));
      return null;
    }
    return d;
  }

  private static void shared(SharedSpec shared, List<FieldError> errors) {
    range("spec.shared.containerConcurrency", shared.getContainerConcurrency(), 0, 1000, errors);
    range("spec.shared.minScale", shared.getMinScale(), 0, Integer.MAX_VALUE, errors);
    range("spec.shared.maxScale", shared.getMaxScale(), 0, Integer.MAX_VALUE, errors);
    range("spec.shared.targetUtilizationPercentage", shared.getTargetUtilizationPercentage(), 1, 100, errors);
    range("spec.shared.timeoutSeconds", shared.getTimeoutSeconds(), 1, 600, errors);
    if (shared.getMinScale() != null && shared.getMaxScale() != null && shared.getMaxScale() != 0
        && shared.getMinScale() > shared.getMaxScale()) {
      errors.add(new FieldError("spec.shared.minScale", "must not exceed spec.shared.maxScale ("
          + shared.getMinScale() + " > " + shared.getMaxScale() + ")"));
    }
    var affinity = shared.getSessionAffinity();
    if (affinity != null) {
      if (affinity.getCookieName() == null || !affinity.getCookieName().matches("^[A-Za-z0-9_-]+$")) {
        errors.add(new FieldError("spec.shared.sessionAffinity.cookieName", "must be a cookie name, got " + quote(affinity.getCookieName())));
      }
      range("spec.shared.sessionAffinity.timeoutSeconds", affinity.getTimeoutSeconds(), 1, Integer.MAX_VALUE, errors);
    }
  }

  private static void quantity(String field, String value, boolean required, List<FieldError> errors) {
    if (value == null) {
      if (required) errors.add(new FieldError(field, "is required"));
      return;
    }
    if (!value.matches(Patterns.QUANTITY)) {
      errors.add(new FieldError(field, "must be a quantity such as 2, 500m or 4Gi, got " + quote(value)));
    }
  }

  private static void nonNegative(String field, Integer value, List<FieldError> errors) {
    range(field, value, 0, Integer.MAX_VALUE, errors);
  }

  private static void range(String field, Integer value, int min, int max, List<FieldError> errors) {
    if (value == null) return;
    if (value < min || value > max) {
      errors.add(new FieldError(field, max == Integer.MAX_VALUE
          ? "must be at least " + min + ", got " + value
          : "must be between " + min + " and " + max + ", got " + value));
    }
  }

  static String quote(String s) {
    return s == null ? "nothing" : "\"" + s + "\"";
  }
}
