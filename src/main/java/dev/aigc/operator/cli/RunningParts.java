package dev.aigc.operator.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;

/**
 * What {@code run} has started, closed in reverse order by the shutdown hook. The hook is in place
 * before the first part starts: SIGTERM while the parts start (a rollout that replaces a starting
 * pod) used to find no hook, and the operator ended holding its Lease. A start in progress finishes
 * before the hook closes it; none begins after.
 */
final class RunningParts {
  /** SIGTERM came before this part could start. */
  static final class Stopping extends RuntimeException {
    Stopping() {
      super("stopping: not started", null, false, false);
    }
  }

  private final Deque<AutoCloseable> parts = new ArrayDeque<>();
  private boolean closed;

  /** Starts a part and keeps it for {@link #closeAll}, unless closing has begun. */
  synchronized <T> T start(Callable<T> starter, java.util.function.Function<T, AutoCloseable> closer) throws Exception {
    if (closed) throw new Stopping();
    T part = starter.call();
    if (part != null) parts.push(closer.apply(part));
    return part;
  }

  synchronized <T extends AutoCloseable> T start(Callable<T> starter) throws Exception {
    return start(starter, part -> part);
  }

  synchronized void closeAll() {
    closed = true;
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
      try {
        part.close();
      } catch (Exception e) {
        LoggerFactory.getLogger(RunningParts.class).warn("stopping {}: {}", part, e.getMessage());
      }
    }
  }
}
