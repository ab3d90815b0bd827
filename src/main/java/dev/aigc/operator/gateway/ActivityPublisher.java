package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.render.IdleSuspension;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the directory's in-memory touches (the requests /auth let through) into each instance's
 * {@code status.lastActivity}, a JSON merge patch of the status subresource that names only that
 * field. Never a write per request: an instance's activity is written when its newest touch is a
 * minute past the published time, whichever gateway replica published it, so that replicas together
 * write about once a minute per active instance; and at once when the touch wakes a suspended
 * instance (newer than its {@code suspendedAt}), as the operator wakes it on that write.
 *
 * <p>Runs on a thread of its own, never on the event loop: the API calls may be slow.
 */
public final class ActivityPublisher implements AutoCloseable {
  /** The least time between two published activities of one instance. */
  public static final Duration INTERVAL = Duration.ofMinutes(1);
  /** How often the touches are looked at; {@link IdleSuspension#PUBLISH_LAG} allows for it. */
  public static final Duration TICK = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(ActivityPublisher.class);

  /** Why an activity is written, as the metric's reason label. */
  public enum Reason {
    /** A minute or more past the published activity. */
    ACTIVITY,
    /** Newer than the instance's suspension: the write that wakes it. */
    WAKE;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One write: {@code status.lastActivity} of {@code namespace/name} becomes {@code lastActivity}. */
  public record Write(String namespace, String name, Instant lastActivity, Reason reason) {
    public String key() {
      return namespace + "/" + name;
    }
  }

  private final KubernetesClient client;
  private final InstanceDirectory directory;
  private final Telemetry telemetry;
  /** What this replica wrote last per instance: its informer may not show the write yet. */
  private final Map<String, Instant> written = new HashMap<>();
  private ScheduledExecutorService timer;

  public ActivityPublisher(KubernetesClient client, InstanceDirectory directory, Telemetry telemetry) {
    this.client = client;
    this.directory = directory;
    this.telemetry = telemetry;
  }

  /**
   * The writes due, from what the informer shows of each instance ({@code entries}), the newest
   * touch of each ({@code touches}, by "namespace/name") and what this replica wrote last that the
   * informer may not show yet ({@code written}). Pure.
   */
  public static List<Write> due(Collection<InstanceDirectory.Entry> entries, Map<String, Instant> touches, Map<String, Instant> written) {
    List<Write> writes = new ArrayList<>();
    for (InstanceDirectory.Entry entry : entries) {
      Instant touch = touches.get(entry.key());
      if (touch == null || entry.phase() == InstancePhase.Deleting) continue;
      Instant published = latest(IdleSuspension.parse(entry.lastActivity()), written.get(entry.key()));
      Instant seconds = touch.truncatedTo(ChronoUnit.SECONDS);
      if (entry.suspended()) {
        Instant suspendedAt = IdleSuspension.parse(entry.suspendedAt());
        if (suspendedAt != null && touch.isAfter(suspendedAt) && (published == null || !published.isAfter(suspendedAt))) {
          // seconds precision must not bring the time back to the suspension's own second, or it would not wake
          Instant wake = seconds.isAfter(suspendedAt) ? seconds : suspendedAt.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
          writes.add(new Write(entry.namespace(), entry.name(), wake, Reason.WAKE));
          continue;
        }
      }
      if (published == null || !seconds.isBefore(published.plus(INTERVAL))) {
        writes.add(new Write(entry.namespace(), entry.name(), seconds, Reason.ACTIVITY));
      }
    }
    return writes;
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || a.isAfter(b) ? a : b;
  }

  /** Looks at the touches every {@link #TICK} from now on. */
  public ActivityPublisher start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "aigc-activity");
      thread.setDaemon(true);
      return thread;
    });
    // replicas started together would otherwise look at the same moments, and decide alike before
    // either informer shows the other's write
    long phase = java.util.concurrent.ThreadLocalRandom.current().nextLong(TICK.toMillis());
    directory.onWake(this::publishSoon);
    timer.scheduleWithFixedDelay(() -> {
      try {
        publish();
      } catch (RuntimeException e) { // the next tick tries again; an exception would end the schedule
        log.warn("publishing activity failed: {}", e.toString());
      }
    }, TICK.toMillis() + phase, TICK.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private final java.util.concurrent.atomic.AtomicBoolean soon = new java.util.concurrent.atomic.AtomicBoolean();

  /** A wake: one look at the touches now, on the publisher's thread; a burst of requests shares it. */
  private void publishSoon() {
    if (!soon.compareAndSet(false, true)) return;
    try {
      timer.execute(() -> {
        soon.set(false);
        try {
          publish();
        } catch (RuntimeException e) {
          log.warn("publishing a wake failed: {}", e.toString());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      soon.set(false);
    }
  }

  /** One look at the touches: writes what is due and returns how many writes succeeded. */
  public synchronized int publish() {
    Map<String, InstanceDirectory.Entry> entries = new HashMap<>();
    Map<String, String> versions = new HashMap<>();
    for (InstanceDirectory.Seen seen : directory.entries()) {
      entries.put(seen.entry().key(), seen.entry());
      versions.put(seen.entry().key(), seen.resourceVersion());
    }
    Map<String, Instant> touches = directory.lastAccess();
    // bounded memory: what this replica knows of instances gone from the directory goes too
    touches.forEach((key, when) -> {
      if (!entries.containsKey(key)) directory.forget(key, when);
    });
    written.keySet().retainAll(entries.keySet());
    int done = 0;
    for (Write write : due(entries.values(), touches, written)) {
      try {
        // conditional on the version the decision saw: when two replicas decide at the same moment, one
        // write lands and the other is refused (409), and the next tick sees the one that landed. Not a
        // wake, which must not wait: a second wake is harmless.
        String version = write.reason() == Reason.WAKE ? null : versions.get(write.key());
        String precondition = version == null ? "" : "\"metadata\":{\"resourceVersion\":\"" + version + "\"},";
        client.resources(AigcInstance.class).inNamespace(write.namespace()).withName(write.name()).subresource("status")
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{" + precondition + "\"status\":{\"lastActivity\":\"" + write.lastActivity() + "\"}}");
        written.put(write.key(), write.lastActivity());
        telemetry.activityPublished(write.reason().label());
        done++;
      } catch (KubernetesClientException e) {
        // gone (404), changed since (409), or refused: the next tick writes again if it is still due
        // refused for want of a right: nobody's activity counts, so active users will be suspended; say so
        if (e.getCode() == 401 || e.getCode() == 403) {
          log.warn("could not publish the activity of {}: {} (may the gateway patch aigcinstances/status there?)", write.key(), e.getCode());
        } else {
          log.debug("could not publish the activity of {}: {} {}", write.key(), e.getCode(), e.getMessage());
        }
        telemetry.activityPublishFailed();
      }
    }
    return done;
  }

  @Override
  public void close() {
    if (timer != null) timer.shutdownNow();
  }
}
