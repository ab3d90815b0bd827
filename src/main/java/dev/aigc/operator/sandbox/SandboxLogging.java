package dev.aigc.operator.sandbox;

import ch.qos.logback.classic.Level;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much the sandbox says. Quiet by default (warnings and errors only); {@code -v} adds what the
 * operator, the gateway and the simulators log; {@code -vv} adds one line per API request, both
 * kubectl's and the in-process clients'. The mock server logs each request through
 * java.util.logging in two lines; that goes through here, as one line, or not at all.
 */
public final class SandboxLogging {
  /** Held so that java.util.logging keeps the level set on it (it holds its loggers weakly). */
  private static final java.util.logging.Logger MOCK_SERVER = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private SandboxLogging() {}

  public static void apply(int verbosity) {
    Level level = verbosity >= 1 ? Level.INFO : Level.WARN;
    root().setLevel(level);
    // logback.xml names JOSDK's level itself, so the root's does not reach it; quiet, JOSDK keeps its
    // warnings (a retried reconcile, with its stack trace) to itself: the operator's own say what happened
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.javaoperatorsdk")).setLevel(verbosity >= 1 ? Level.INFO : Level.ERROR);
    // fabric8 warns once per kind that v1alpha1 is not a stable version: true, and nothing to act on here
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils"))
        .setLevel(verbosity >= 1 ? Level.WARN : Level.ERROR);
    ((ch.qos.logback.classic.Logger) ApiFront.requests).setLevel(verbosity >= 2 ? Level.INFO : Level.WARN);
    MOCK_SERVER.setUseParentHandlers(false);
    for (Handler h : MOCK_SERVER.getHandlers()) MOCK_SERVER.removeHandler(h);
    MOCK_SERVER.setLevel(verbosity >= 2 ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
    MOCK_SERVER.addHandler(new OneLine());
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }

  /** "MockWebServer[41234] received request: GET /x HTTP/1.1 and responded: HTTP/1.1 200 OK" as "GET /x -> 200 OK". */
  private static final class OneLine extends Handler {
    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) return;
      String message = record.getMessage()
          .replaceFirst("^MockWebServer\\[\\d+] received request: ", "")
          .replaceFirst(" HTTP/[\\d.]+ and responded: HTTP/[\\d.]+ ", " -> ");
      if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
        LoggerFactory.getLogger(record.getLoggerName()).warn(message, record.getThrown());
      } else {
        ApiFront.requests.info("{}", message);
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  }
}
