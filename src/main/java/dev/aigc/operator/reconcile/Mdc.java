package dev.aigc.operator.reconcile;

import org.slf4j.MDC;

/** Puts the template and instance a reconcile is about into every log line it writes. */
final class Mdc implements AutoCloseable {
  private Mdc() {}

  static Mdc of(String template, String instance) {
    if (template != null) MDC.put("template", template);
    if (instance != null) MDC.put("instance", instance);
    return new Mdc();
  }

  @Override
  public void close() {
    MDC.remove("template");
    MDC.remove("instance");
  }
}
