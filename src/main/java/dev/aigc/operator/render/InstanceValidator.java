package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.Patterns;
import java.util.ArrayList;
import java.util.List;

/** The schema's rules for an instance, for input that did not pass an API server. */
public final class InstanceValidator {
  private InstanceValidator() {}

  public static List<FieldError> validate(AigcInstance instance) {
    List<FieldError> errors = new ArrayList<>();
    if (instance.getMetadata() == null || instance.getMetadata().getName() == null) {
      errors.add(new FieldError("metadata.name", "is required"));
    }
    var spec = instance.getSpec();
    if (spec == null) {
      errors.add(new FieldError("spec", "is required"));
      return errors;
    }
    if (spec.getTemplate() == null || !spec.getTemplate().matches(Patterns.DNS_LABEL)) {
      errors.add(new FieldError("spec.template", "must name an AigcTemplate, got " + TemplateValidator.quote(spec.getTemplate())));
    }
    if (spec.getOwner() == null || spec.getOwner().isBlank()) {
      errors.add(new FieldError("spec.owner", "is required"));
    }
    return errors;
  }
}
