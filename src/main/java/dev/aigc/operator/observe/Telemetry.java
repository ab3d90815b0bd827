package dev.aigc.operator.observe;

import dev.aigc.operator.api.AigcInstance;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The operator's and the gateway's own metrics, on one Micrometer registry (Prometheus in production). */
public final class Telemetry {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Timer startDuration;
  /** Made only where the gateway runs, so that an operator-only pod exports no constant zeros. */
  private volatile AuthMeters auth;
  private MultiGauge instances;
  private Supplier<Collection<AigcInstance>> instanceCache;

  private Telemetry(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.startDuration = Timer.builder("aigc.instance.start")
        .description("Time from install or start to Running")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofMinutes(30))
        .register(registry);
  }

  /** The /auth meters, made once: the hot path is then two increments. */
  private record AuthMeters(Timer latency, Counter allowed, Counter unauthenticated, Counter forbidden,
      Counter hostMismatch, Counter withoutRoutedHost) {
    static AuthMeters register(MeterRegistry registry) {
      return new AuthMeters(
          Timer.builder("aigc.auth")
              .description("Time the gateway takes to answer /auth")
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofMillis(100))
              // The max rotates (by default every 40 s): each rotation took a branch the JIT had compiled
              // out, so the /auth path was deoptimized and compiled again on the gateway's core. Ten
              // minutes per window leave the JIT alone; the histogram, which the dashboards use, never rotates.
              .distributionStatisticExpiry(Duration.ofMinutes(10)).distributionStatisticBufferLength(1)
              .register(registry),
          decisions(registry, "allowed"), decisions(registry, "unauthenticated"), decisions(registry, "forbidden"),
          routingRefusals(registry, "host_mismatch"), routingRefusals(registry, "no_routed_host"));
    }

    private static Counter routingRefusals(MeterRegistry registry, String reason) {
      return Counter.builder("aigc.auth.routing.refusals")
          .description("/auth requests refused (403) because of the routed host: the requested URL named another host, or the proxy named none")
          .tag("reason", reason).register(registry);
    }

    private static Counter decisions(MeterRegistry registry, String result) {
      return Counter.builder("aigc.auth.decisions").description("/auth answers").tag("result", result).register(registry);
    }
  }

  /** Registers the gateway's meters; called where the gateway starts. */
  public void enableAuthMetrics() {
    authMeters();
  }

  private AuthMeters authMeters() {
    AuthMeters meters = auth;
    if (meters != null) return meters;
    synchronized (this) {
      if (auth == null) auth = AuthMeters.register(registry);
      return auth;
    }
  }

  /** Prometheus, with the JVM's and the process's own metrics (memory, GC, threads, CPU, files, uptime). */
  public static Telemetry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return new Telemetry(registry, registry);
  }

  /** aigc_operator_leader: 1 while this replica holds the Lease and reconciles, else 0. */
  public void leader(java.util.function.BooleanSupplier isLeader) {
    Gauge.builder("aigc.operator.leader", () -> isLeader.getAsBoolean() ? 1 : 0)
        .description("1 while this replica holds the leader-election Lease and reconciles").register(registry);
  }

  /** Metrics that go nowhere, for tests and the CLI's render. */
  public static Telemetry inMemory() {
    return new Telemetry(new SimpleMeterRegistry(), null);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition, or empty when this telemetry is not Prometheus. */
  public String scrape() {
    if (prometheus == null) return "";
    refreshInstances();
    return prometheus.scrape();
  }

  public void instanceStarted(Duration took) {
    startDuration.record(took);
  }

  /** Called on every /auth request: the counters are made once, so this is two increments. */
  public void authDecided(int status, long nanos) {
    AuthMeters m = authMeters();
    (status == 200 ? m.allowed() : status == 401 ? m.unauthenticated() : m.forbidden()).increment();
    m.latency().record(Duration.ofNanos(nanos));
  }

  /** A request whose URL named another host than the one the proxy routed it to (counted as forbidden too). */
  public void authHostMismatch() {
    authMeters().hostMismatch().increment();
  }

  /** A request whose proxy did not name the routed host where one is required (counted as forbidden too). */
  public void authWithoutRoutedHost() {
    authMeters().withoutRoutedHost().increment();
  }

  /**
   * A sign-out's write to the revoked-session list, as aigc_session_revocations_total{result}:
   * recorded, cutoff (the list was full: every session issued until then revoked) or failed.
   */
  public void sessionRevocation(String result) {
    Counter.builder("aigc.session.revocations").description("Sign-outs written to the revoked-session list, by result")
        .tag("result", result).register(registry).increment();
  }

  /** aigc_session_revocation_entries: the revoked-session entries a gateway holds in memory. */
  public void countRevokedSessions(Supplier<Number> entries) {
    io.micrometer.core.instrument.Gauge.builder("aigc.session.revocation.entries", entries)
        .description("Revoked sessions this gateway knows of (the list's entries, expired ones until the next sign-out prunes them)")
        .register(registry);
  }

  /** aigc_instances{template,phase}, counted from an instance cache at every scrape. */
  public void countInstances(Supplier<Collection<AigcInstance>> cache) {
    this.instanceCache = cache;
    this.instances = MultiGauge.builder("aigc.instances").description("Instances by template and phase").register(registry);
  }

  private void refreshInstances() {
    if (instances == null) return;
    Map<Tags, Long> counts = instanceCache.get().stream().collect(Collectors.groupingBy(i -> Tags.of(
        "template", i.getSpec() == null ? "" : String.valueOf(i.getSpec().getTemplate()),
        "phase", i.getStatus() == null || i.getStatus().getPhase() == null ? "Pending" : i.getStatus().getPhase().name()),
        Collectors.counting()));
    instances.register(counts.entrySet().stream()
        .map(e -> MultiGauge.Row.of(e.getKey(), e.getValue())).collect(Collectors.toList()), true);
  }

  /** aigc_idle_suspensions_total: instances suspended for idleness. */
  public void instanceSuspended() {
    suspensions().increment();
  }

  /** aigc_idle_wakes_total: suspended instances woken by their owner. */
  public void instanceWoken() {
    wakes().increment();
  }

  private Counter suspensions() {
    return Counter.builder("aigc.idle.suspensions").description("Instances suspended for idleness").register(registry);
  }

  private Counter wakes() {
    return Counter.builder("aigc.idle.wakes").description("Suspended instances woken by their owner's request").register(registry);
  }

  /**
   * The idle metrics, there from the start (dashboards and alerts query them before the first
   * suspension): aigc_idle_gpu_hours_saved_total counts whole-GPU hours given back by suspended
   * instances, ended and ongoing.
   */
  public void countSuspendedGpuHours(java.util.function.DoubleSupplier hours) {
    suspensions();
    wakes();
    // Micrometer holds the object weakly: a method reference nobody else holds is collected and the
    // counter freezes at its last value, so the registry (alive as long as the meter) is the object
    io.micrometer.core.instrument.FunctionCounter.builder("aigc.idle.gpu.hours.saved", registry, r -> hours.getAsDouble())
        .description("Whole-GPU hours that suspended instances gave back, since this operator started").register(registry);
  }

  /**
   * aigc_activity_writes_total{reason}: a gateway's writes of status.lastActivity, by reason:
   * activity (a minute past the published time) or wake (newer than the instance's suspension).
   */
  public void activityPublished(String reason) {
    Counter.builder("aigc.activity.writes").description("Writes of instances' status.lastActivity by this gateway, by reason")
        .tag("reason", reason).register(registry).increment();
  }

  /** aigc_activity_write_failures_total: activity writes the API server refused (retried while still due). */
  public void activityPublishFailed() {
    Counter.builder("aigc.activity.write.failures").description("Writes of status.lastActivity that failed; retried while still due")
        .register(registry).increment();
  }

  /** Counts a client's API writes by resource, as aigc_api_writes_total{kind}. */
  public Interceptor apiWrites() {
    return new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if (!WRITES.contains(request.method())) return;
        Counter.builder("aigc.api.writes").tag("method", request.method()).tag("kind", kindOf(request.uri().getPath()))
            .register(registry).increment();
      }
    };
  }

  /** {@code /apis/g/v/namespaces/ns/plural/name/status} gives {@code plural/status}. */
  public static String kindOf(String path) {
    String[] parts = path.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].equals("namespaces") && i + 2 < parts.length) {
        return i + 4 < parts.length ? parts[i + 2] + "/" + parts[i + 4] : parts[i + 2];
      }
    }
    return "other";
  }
}
