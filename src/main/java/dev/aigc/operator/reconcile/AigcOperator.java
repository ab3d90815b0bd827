package dev.aigc.operator.reconcile;

import dev.aigc.operator.config.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
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
  private final AtomicBoolean closing = new AtomicBoolean();
  private final boolean leaderElection;
  private final KubernetesClient client;
  private final LeaseLock lease;
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
    this.client = client;
    // the pod name alone is not unique across a restart, nor in a test JVM
    String identity = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("aigc-operator") + "-"
        + UUID.randomUUID().toString().substring(0, 8);
    this.lease = leaderElection ? new LeaseLock(settings.leaseNamespace(), OperatorSettings.LEASE_NAME, identity) : null;
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
            .withIdentity(identity)
            // JOSDK's exit runs on the thread that stopped the elector: close() in the shutdown hook,
            // where System.exit blocks forever (SIGTERM left the pod hanging until SIGKILL)
            .withExitOnStopLeading(false)
            .withLeaderCallbacks(new LeaderCallbacks(() -> leader.set(true), () -> stoppedLeading(settings.exitOnLostLease()),
                id -> { }))
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

  /**
   * The Lease was lost (renewal failed) or given up by {@link #close}. A lost one ends the process,
   * so that two replicas never reconcile at once: from a thread of its own, as exit waits for the
   * shutdown hook, which stops the controllers.
   */
  private void stoppedLeading(boolean exitOnLostLease) {
    leader.set(false);
    if (!exitOnLostLease || closing.get()) return;
    log.error("lost the Lease {}; exiting so that no other replica reconciles at the same time", OperatorSettings.LEASE_NAME);
    new Thread(() -> System.exit(1), "lost-lease-exit").start();
  }

  @Override
  public void close() {
    closing.set(true);
    boolean wasLeader = leaderElection && leader.get();
    operator.stop();
    caches.clear();
    if (wasLeader) release();
  }

  /**
   * Hands the Lease on once the controllers have stopped, as client-go's release-on-cancel does (JOSDK
   * turns fabric8's off): a standby takes over at its next try instead of when the Lease expires.
   */
  private void release() {
    try {
      LeaderElectionRecord held = lease.get(client);
      if (held == null || !lease.identity().equals(held.getHolderIdentity())) return;
      java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
      // an empty holder, not a null one: the update is a patch, where null leaves the holder as it was
      lease.update(client, new LeaderElectionRecord("", Duration.ofSeconds(1), now, now, held.getLeaderTransitions()));
    } catch (KubernetesClientException e) {
      log.warn("could not release the Lease {} (a standby takes over when it expires): {}", OperatorSettings.LEASE_NAME,
          e.getMessage());
    }
  }
}
