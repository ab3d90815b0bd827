package dev.aigc.operator.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** JOSDK's own metrics (the operator's Micrometer registry): reconciles per controller and their time. */
final class Reconciles {
  private Reconciles() {}

  /** Per meter: count and total milliseconds (timers), or count (counters). */
  static Map<String, double[]> sample(MeterRegistry registry) {
    Map<String, double[]> result = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      if (!name.startsWith("operator.sdk")) continue;
      String controller = m.getId().getTag("controller");
      String key = name.substring("operator.sdk.".length()) + (controller == null ? "" : "{" + controller + "}");
      if (m instanceof Timer t) result.put(key, new double[] {t.count(), t.totalTime(TimeUnit.MILLISECONDS)});
      else if (m instanceof Counter c) result.put(key, new double[] {c.count(), Double.NaN});
    }
    return result;
  }

  static Map<String, double[]> minus(Map<String, double[]> after, Map<String, double[]> before) {
    Map<String, double[]> result = new TreeMap<>();
    after.forEach((k, v) -> {
      double[] b = before.getOrDefault(k, new double[2]);
      double count = v[0] - b[0];
      if (count > 0) result.put(k, new double[] {count, v[1] - (Double.isNaN(b[1]) ? 0 : b[1])});
    });
    return result;
  }
}
