package dev.aigc.operator.reconcile;

import dev.aigc.operator.config.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Builds the operator: both reconcilers on one client, configured from {@link OperatorSettings}. */
public final class AigcOperator implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AigcOperator.class);
  private final Operator operator;

  private final AtomicBoolean leader = new AtomicBoolean();
  private final boolean leaderElection;
  private final CachedFields caches;

  public AigcOperator(KubernetesClient client, OperatorSettings settings) {
    this(client, settings, Telemetry.inMemory());
  }

  public AigcOperator(KubernetesClient client, OperatorSettings settings, Telemetry telemetry) {
    this(client, settings, telemetry, java.time.Clock.systemUTC());
  }

  /** @param clock what idle decisions measure time with (tests move it instead of waiting minutes) */
  public AigcOperator(KubernetesClient client, OperatorSettings settings, Telemetry telemetry, java.time.Clock clock) {
    this.leaderElection = settings.leaseNamespace() != null;
    this.operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(telemetry.registry()))
          // the mock API server has no server-side apply, and production must run the tested path
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          // An informer that stops for good (an object even LenientSerialization cannot read) must not
          // end the process from a library thread: live() and ready() turn false, the other
          // controllers go on, and the kubelet restarts the pod through /healthz.
          .withInformerStoppedHandler((informer, error) -> {
            if (error != null) log.error("informer {} stopped: {}", informer, error.toString(), error);
          });
      if (leaderElection) {
        // two replicas are safe: only the holder of the Lease reconciles, the other waits
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(OperatorSettings.LEASE_NAME)
            .withLeaseNamespace(settings.leaseNamespace())
            // the pod name alone is not unique across a restart, nor in a test JVM
            .withIdentity(Optional.ofNullable(System.getenv("HOSTNAME")).orElse("aigc-operator") + "-"
                + UUID.randomUUID().toString().substring(0, 8))
            .withExitOnStopLeading(settings.exitOnLostLease())
            .withLeaderCallbacks(new LeaderCallbacks(() -> leader.set(true), () -> leader.set(false), id -> { }))
            .build());
      }
    });
    EventRecorder events = new EventRecorder(client);
    Consumer<ControllerConfigurationOverrider<?>> namespaces = c -> {
      if (settings.watchAllNamespaces()) c.watchingAllNamespaces();
      else c.settingNamespaces(settings.namespaces());
      // Transient errors must never be given up on (invariant 11): gradual back-off, no last attempt.
      c.withRetry(new GenericRetry().setInitialInterval(Duration.ofSeconds(1)).setIntervalMultiplier(2)
          .setMaxInterval(Duration.ofMinutes(2).toMillis()).withoutMaxAttempts());
    };
    QuotaBoard quotas = new QuotaBoard();
    // both controllers cache instances and disks: one compact object each (bench/README.md, heap)
    caches = new CachedFields(settings.watchAllNamespaces() || settings.namespaces().size() == 1);
    operator.register(new AigcTemplateReconciler(client, settings, events, new GameServerSetWriter(client),
            new Disks(client), new SharedEndpoints(client, events), quotas, caches),
        c -> namespaces.accept(c));
    AigcInstanceReconciler instances = new AigcInstanceReconciler(client, events, telemetry, quotas, caches, clock);
    telemetry.countInstances(instances::instances);
    telemetry.countSuspendedGpuHours(instances::suspendedGpuHours);
    telemetry.leader(this::isLeader);
    operator.register(instances, c -> {
      namespaces.accept(c);
      c.withItemStore(caches.instanceStore());
      // not generation-aware (annotations matter), but our own status writes are no reason to run
      c.withOnUpdateFilter(AigcInstanceReconciler::worthReconciling);
    });
  }

  public AigcOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  /** Alive unless an informer of the running controllers has failed. */
  public boolean live() {
    return !operator.getRuntimeInfo().isStarted() || operator.getRuntimeInfo().allEventSourcesAreHealthy() || !isLeader();
  }

  /** Ready: started with every informer healthy, or a standby waiting for the Lease. */
  public boolean ready() {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted()) return false;
    return !isLeader() || runtime.allEventSourcesAreHealthy();
  }

  /** Whether this replica reconciles now (always, without leader election). */
  public boolean isLeader() {
    return !leaderElection || leader.get();
  }

  @Override
  public void close() {
    operator.stop();
    caches.clear();
  }
}
