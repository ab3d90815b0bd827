package dev.aigc.operator.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts warnings and errors by logger (bench/logback-bench.xml sends them here and to
 * target/bench.log), so that the bench prints how often the operator complained, not every line.
 */
public class LogCounter extends AppenderBase<ILoggingEvent> {
  private static final AtomicInteger warnings = new AtomicInteger();
  private static final Map<String, LongAdder> byLogger = new ConcurrentHashMap<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (!event.getLevel().isGreaterOrEqual(Level.WARN)) return;
    warnings.incrementAndGet();
    byLogger.computeIfAbsent(event.getLevel() + " " + event.getLoggerName(), k -> new LongAdder()).increment();
  }

  static int warnings() {
    return warnings.get();
  }

  static Map<String, Long> byLogger() {
    Map<String, Long> result = new TreeMap<>();
    byLogger.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }
}
