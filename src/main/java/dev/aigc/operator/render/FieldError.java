package dev.aigc.operator.render;

/** One invalid field, named by its path in the resource, e.g. {@code spec.dedicated.ingress.host}. */
public record FieldError(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
