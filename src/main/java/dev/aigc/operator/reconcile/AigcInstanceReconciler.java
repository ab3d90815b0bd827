package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.DiskRecord;
import dev.aigc.operator.render.DiskRenderer;
import dev.aigc.operator.render.Durations;
import dev.aigc.operator.render.IdAllocator;
import dev.aigc.operator.render.IdleSuspension;
import dev.aigc.operator.render.InstanceStatusRenderer;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.UpgradeStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reports each instance's status from the ID its disk records and what OKG runs, and on deletion
 * hands its disk to the retention it asked for. It never writes a GameServerSet, and its deletion
 * never waits on one (DESIGN invariant 10): a disk to delete is marked for the template reconciler,
 * which removes it once the ID no longer runs, or removed at once when nothing can run it.
 */
@ControllerConfiguration(
    name = AigcInstanceReconciler.NAME,
    finalizerName = AigcInstance.FINALIZER,
    // a restart request is an annotation, which does not bump the generation; see AigcOperator
    generationAwareEventProcessing = false,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 3, timeUnit = TimeUnit.MINUTES))
public class AigcInstanceReconciler implements Reconciler<AigcInstance>, Cleaner<AigcInstance> {
  public static final String NAME = "aigcinstance";
  static final String BY_TEMPLATE = "byTemplate";
  static final String BY_INSTANCE_UID = "byInstanceUid";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AigcInstanceReconciler.class);
  private final KubernetesClient client;
  private final EventRecorder events;
  private final Disks diskWriter;
  private InformerEventSource<AigcTemplate, AigcInstance> templates;
  private InformerEventSource<GameServer, AigcInstance> gameServers;
  private InformerEventSource<PersistentVolumeClaim, AigcInstance> disks;
  /** The instances' pods: only for the version of the template each runs (PodTemplateVersion). */
  private InformerEventSource<Pod, AigcInstance> pods;

  private final Telemetry telemetry;
  private final CachedFields caches;
  private volatile IndexerResourceCache<AigcInstance> primaries;
  /** When each instance began starting, in memory: only for the start-duration metric. */
  private final Map<ResourceID, Instant> startingSince = new java.util.concurrent.ConcurrentHashMap<>();

  private final QuotaBoard board;

  /** The idle decisions' clock: the gateway's activity times are compared with it. */
  private final java.time.Clock clock;
  /** GPU-hours of suspensions that ended (woken, stopped, deleted) since this process started. */
  private final java.util.concurrent.atomic.DoubleAdder endedSuspensionGpuHours = new java.util.concurrent.atomic.DoubleAdder();
  /**
   * Per instance UID, the suspension (its suspendedAt) whose end was last counted: a cleanup run again
   * after its finalizer removal failed, or a wake seen twice, counts it once.
   */
  private final Map<String, String> countedSuspensionEnds = new java.util.concurrent.ConcurrentHashMap<>();

  AigcInstanceReconciler(KubernetesClient client, EventRecorder events, Telemetry telemetry, QuotaBoard board, CachedFields caches) {
    this(client, events, telemetry, board, caches, java.time.Clock.systemUTC());
  }

  AigcInstanceReconciler(KubernetesClient client, EventRecorder events, Telemetry telemetry, QuotaBoard board, CachedFields caches,
      java.time.Clock clock) {
    this.clock = clock;
    this.client = client;
    this.board = board;
    this.caches = caches;
    this.events = events;
    this.telemetry = telemetry;
    this.diskWriter = new Disks(client);
  }

  @Override
  public List<EventSource<?, AigcInstance>> prepareEventSources(EventSourceContext<AigcInstance> context) {
    IndexerResourceCache<AigcInstance> primaries = context.getPrimaryCache();
    this.primaries = primaries;
    primaries.addIndexers(Map.of(BY_TEMPLATE, i -> i.getSpec() == null ? List.of()
        : List.of(templateKey(i.getMetadata().getNamespace(), i.getSpec().getTemplate()))));

    templates = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(AigcTemplate.class, AigcInstance.class)
            .withName("instance-templates")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(t -> idsOf(primaries.byIndex(BY_TEMPLATE, templateKey(t.getMetadata().getNamespace(), t.getMetadata().getName()))))
            // the template's own status writes (instance counts) change nothing an instance shows
            .withOnUpdateFilter((updated, old) -> !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
                || !Objects.equals(readyOf(updated), readyOf(old))
                // a new pod template version makes running instances outdated
                || !Objects.equals(podTemplateOf(updated), podTemplateOf(old)))
            .build(),
        context);
    // Our disks only (the template reconciler also sees foreign ones): each names the instance it records.
    disks = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PersistentVolumeClaim.class, AigcInstance.class)
            .withName("instance-disks")
            .withNamespacesInheritedFromController()
            .withItemStore(caches.diskStore())
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
            .withSecondaryToPrimaryMapper(AigcInstanceReconciler::instanceOfDisk)
            .build(),
        context);
    // started before the GameServer informer, whose mapper reads it (holderOf)
    disks.setEventSourcePriority(io.javaoperatorsdk.operator.processing.event.source.EventSourceStartPriority.RESOURCE_STATE_LOADER);
    disks.addIndexers(Map.of(BY_INSTANCE_UID, p -> {
      var a = p.getMetadata().getAnnotations();
      String uid = a == null ? null : a.get(Labels.DISK_INSTANCE_UID);
      return uid == null ? List.of() : List.of(uid);
    }));
    gameServers = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(GameServer.class, AigcInstance.class)
            .withName("instance-gameservers")
            .withNamespacesInheritedFromController()
            .withItemStore(caches.gameServerStore())
            .withSecondaryToPrimaryMapper(this::holderOf)
            .build(),
        context);
    pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, AigcInstance.class)
            .withName("instance-pods")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR + "," + Labels.COMPONENT + "=" + Labels.DEDICATED)
            .withItemStore(caches.podStore())
            .withSecondaryToPrimaryMapper(this::holderOf)
            // only a new pod, a gone one or an in-place update change the version an instance runs
            .withOnUpdateFilter((updated, old) -> !Objects.equals(updated.getMetadata().getAnnotations(), old.getMetadata().getAnnotations())
                || !Objects.equals(updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp()))
            .build(),
        context);
    return List.of(templates, disks, gameServers, pods, board.instanceEvents());
  }

  @Override
  public UpdateControl<AigcInstance> reconcile(AigcInstance instance, Context<AigcInstance> context) {
    try (var ignored = Mdc.of(instance.getSpec().getTemplate(), instance.getMetadata().getName())) {
      return reconcileInstance(instance, context);
    }
  }

  /** A failed reconcile is told in status, not only logged; JOSDK retries with back-off, without end. */
  @Override
  public ErrorStatusUpdateControl<AigcInstance> updateErrorStatus(AigcInstance instance, Context<AigcInstance> context, Exception e) {
    ApiErrors.Verdict verdict = ApiErrors.verdict(e, context);
    log.warn("instance {}/{}: {}", instance.getMetadata().getNamespace(), instance.getMetadata().getName(), verdict.message());
    AigcInstanceStatus status = instance.getStatus() == null ? new AigcInstanceStatus()
        : Serialization.clone(instance.getStatus());
    status.setConditions(Conditions.withProgress(status.getConditions(), verdict.progress(), verdict.reason(),
        verdict.message(), instance.getMetadata().getGeneration(), stamp()));
    try {
      patchIfChanged(instance, status, context);
    } catch (RuntimeException statusFailed) {
      log.warn("could not record the error in the status of instance {}: {}", instance.getMetadata().getName(), statusFailed.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private UpdateControl<AigcInstance> reconcileInstance(AigcInstance instance, Context<AigcInstance> context) {
    Observed seen = observe(instance);
    Instant now = clock.instant();
    Duration graceLeft = awaitingFirstId(instance, seen) ? firstIdGraceLeft(instance, now) : null;
    if (graceLeft != null) {
      // The template reconciler hands out IDs within moments and its write brings us back here; a
      // Pending status in between would cost every new instance one more write (see bench/). One
      // that waits longer is told why, so that no instance shows nothing for good.
      return UpdateControl.<AigcInstance>noUpdate().rescheduleAfter(graceLeft);
    }
    String diskComingFrom = seen.id == null && seen.templateProblem == null && seen.quotaProblem == null
        ? diskComingFrom(instance, context) : null;
    IdleSuspension.Verdict idle = IdleSuspension.decide(instance, seen.template, runningSince(instance), now);
    AigcInstanceStatus status = InstanceStatusRenderer.render(
        instance, seen.template, seen.id, seen.gameServer, seen.templateProblem, seen.quotaProblem, idle, diskComingFrom, stamp());
    String restarted = restart(instance, seen);
    // a restart asked for after a kill is the user's wish to run again
    if (!java.util.Objects.equals(restarted, status.getLastRestart())) status.setKilledGeneration(null);
    status.setLastRestart(restarted);
    // only a running instance has a version to speak of; a starting one's new pod is the newest
    // (and saying so before Running would cost every start one more status write)
    boolean running = status.getPhase() == InstancePhase.Running && seen.pod != null && seen.pod.getMetadata().getDeletionTimestamp() == null;
    UpgradeStatus.Result upgrade = UpgradeStatus.of(status.getConditions(), seen.template,
        running ? seen.pod.getMetadata().getAnnotations() : null,
        instance.getMetadata().getGeneration(), stamp());
    status.setTemplateGeneration(upgrade.generation());
    status.setConditions(upgrade.conditions());
    patchIfChanged(instance, status, context);
    reportIdle(instance, seen.template, idle, now);
    UpdateControl<AigcInstance> next = forceUpgrade(instance, seen, upgrade);
    if (idle.dueAt() == null) return next;
    // looked at again when it becomes due; the gateway's activity in between moves the moment later
    Duration due = Duration.between(now, idle.dueAt()).plusMillis(100);
    return next.getScheduleDelay().isPresent() && next.getScheduleDelay().get() < due.toMillis() ? next
        : UpdateControl.<AigcInstance>noUpdate().rescheduleAfter(due);
  }

  /**
   * A condition's time, from the idle decisions' clock: they read when an instance became Running from
   * its Ready condition, so both must measure time alike (a test's moved clock included).
   */
  private String stamp() {
    return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** When it last became Running (its Ready condition's transition), or null when it is not Running. */
  private static Instant runningSince(AigcInstance instance) {
    var status = instance.getStatus();
    if (status == null || status.getPhase() != InstancePhase.Running) return null;
    var ready = Conditions.find(status.getConditions(), Conditions.READY);
    return ready == null || ready.getLastTransitionTime() == null ? null : Instant.parse(ready.getLastTransitionTime());
  }

  /** Events and metrics of a suspension or a wake, after the status that records it. */
  private void reportIdle(AigcInstance instance, AigcTemplate template, IdleSuspension.Verdict idle, Instant now) {
    var previous = instance.getStatus();
    String was = previous == null ? null : previous.getSuspendedAt();
    if (idle.limit() != null && idle.limit().adjusted() != null
        && (previous == null || !Objects.equals(previous.getSuspendAfter(), idle.limit().text()))) {
      events.warning(instance, "SuspendAfterAdjusted", idle.limit().adjusted());
    }
    switch (idle.change()) {
      case SUSPENDED -> {
        Duration unused = IdleSuspension.idleFor(previous.getLastActivity(), runningSince(instance), now);
        events.normal(instance, "Suspended", "suspended after " + (unused == null ? idle.limit().text() : Durations.text(unused))
            + " without use (suspendAfter " + idle.limit().text() + "): compute released, disk " + previous.getVolumeClaim()
            + " kept; opening " + previous.getUrl() + " wakes it");
        telemetry.instanceSuspended();
      }
      case WOKEN -> events.normal(instance, "Woken", "woken by its owner's request at " + previous.getLastActivity()
          + " after being suspended since " + was);
      case RESUMED_BY_POLICY -> events.normal(instance, "Woken", "woken as its template no longer suspends idle instances");
      case NONE -> { }
    }
    if (was != null && idle.suspendedAt() == null) {
      countSuspensionEnd(instance, template, was, now);
      if (idle.change() == IdleSuspension.Change.WOKEN) telemetry.instanceWoken();
    }
  }

  private void countSuspensionEnd(AigcInstance instance, AigcTemplate template, String suspendedAt, Instant now) {
    if (suspendedAt.equals(countedSuspensionEnds.put(instance.getMetadata().getUid(), suspendedAt))) return;
    endedSuspensionGpuHours.add(gpuHours(template, suspendedAt, now));
    // one entry per instance: those of instances that are gone are dropped each time the map has
    // doubled since the last pruning (a scan of the cache then, not on every wake)
    if (countedSuspensionEnds.size() > pruneSuspensionEndsAt) {
      java.util.Set<String> live = new java.util.HashSet<>();
      instances().forEach(i -> live.add(i.getMetadata().getUid()));
      countedSuspensionEnds.keySet().retainAll(live);
      pruneSuspensionEndsAt = Math.max(1024, 2 * countedSuspensionEnds.size());
    }
  }

  private volatile int pruneSuspensionEndsAt = 1024;

  /** Whole-GPU hours an instance of this template gave back while suspended since {@code suspendedAt}. */
  private static double gpuHours(AigcTemplate template, String suspendedAt, Instant now) {
    var compute = template == null || template.getSpec() == null ? null : template.getSpec().getCompute();
    int gpus = compute == null || compute.getGpu() == null ? 0 : compute.getGpu();
    Instant since = Instant.parse(suspendedAt);
    return gpus == 0 || since.isAfter(now) ? 0 : gpus * Duration.between(since, now).toMillis() / 3_600_000.0;
  }

  /** Whole-GPU hours given back by suspensions: those that ended, and those going on until now. */
  double suspendedGpuHours() {
    Instant now = clock.instant();
    double ongoing = 0;
    for (AigcInstance instance : instances()) {
      String at = instance.getStatus() == null ? null : instance.getStatus().getSuspendedAt();
      if (at == null || instance.getSpec() == null) continue;
      AigcTemplate template = templates == null ? null
          : templates.get(new ResourceID(instance.getSpec().getTemplate(), instance.getMetadata().getNamespace())).orElse(null);
      ongoing += gpuHours(template, at, now);
    }
    return endedSuspensionGpuHours.sum() + ongoing;
  }

  /** The template's forceUpgradeAfter has run out for this outdated instance: its pod is re-created on the new version. */
  private UpdateControl<AigcInstance> forceUpgrade(AigcInstance instance, Observed seen, UpgradeStatus.Result upgrade) {
    if (upgrade.forceAt() == null || !upgrade.outdated() || seen.pod == null) return UpdateControl.noUpdate();
    Duration left = Duration.between(clock.instant(), upgrade.forceAt());
    if (!left.isNegative() && !left.isZero()) return UpdateControl.<AigcInstance>noUpdate().rescheduleAfter(left.plusMillis(100));
    // with the pod's UID: a pod re-created meanwhile (already on the new version) is not deleted again
    client.pods().inNamespace(instance.getMetadata().getNamespace()).resource(seen.pod)
        .lockResourceVersion(seen.pod.getMetadata().getResourceVersion()).delete();
    events.normal(instance, "ForcedUpdate", "recreating pod " + seen.pod.getMetadata().getName()
        + " on the template's current version, as its forceUpgradeAfter (" + seen.template.getSpec().getForceUpgradeAfter() + ") has passed");
    return UpdateControl.noUpdate();
  }

  private static Object podTemplateOf(AigcTemplate template) {
    return template.getStatus() == null ? null
        : List.of(String.valueOf(template.getStatus().getDedicatedGeneration()), String.valueOf(template.getStatus().getDedicatedParts()));
  }

  /**
   * Carries out a restart the user asked for (the gateway's restart sets the annotation): the pod is
   * deleted once, OKG recreates it at the same ID with the same disk. Returns the request now done.
   */
  private String restart(AigcInstance instance, Observed seen) {
    String done = instance.getStatus() == null ? null : instance.getStatus().getLastRestart();
    var annotations = instance.getMetadata().getAnnotations();
    String requested = annotations == null ? null : annotations.get(AigcInstance.RESTART_ANNOTATION);
    if (requested == null || requested.equals(done)) return done;
    if (seen.id != null && seen.gameServer != null) {
      String pod = Names.gameServer(instance.getSpec().getTemplate(), seen.id);
      client.pods().inNamespace(instance.getMetadata().getNamespace()).withName(pod).delete();
      events.normal(instance, "Restarted", "recreating pod " + pod + " as asked at " + requested);
    }
    // a stopped instance has nothing to restart: the request is done all the same
    return requested;
  }

  /** The instances this controller sees, from its cache (empty before it starts). */
  public List<AigcInstance> instances() {
    var cache = primaries;
    return cache == null ? List.of() : cache.list().toList();
  }

  /** Updates other than our own status writes: spec, annotations, finalizers, deletion, a lost status. */
  static boolean worthReconciling(AigcInstance updated, AigcInstance old) {
    var n = updated.getMetadata();
    var o = old.getMetadata();
    return !Objects.equals(n.getGeneration(), o.getGeneration())
        || !Objects.equals(n.getAnnotations(), o.getAnnotations())
        || !Objects.equals(n.getFinalizers(), o.getFinalizers())
        || !Objects.equals(n.getDeletionTimestamp(), o.getDeletionTimestamp())
        // a status someone wiped or rewrote is rebuilt at once, not at the next periodic check
        || updated.getStatus() == null
        || !Objects.equals(idOf(updated), idOf(old))
        // the gateway's activity on a suspended instance is its owner waking it
        || (updated.getStatus().getSuspendedAt() != null && old.getStatus() != null
            && !Objects.equals(updated.getStatus().getLastActivity(), old.getStatus().getLastActivity()))
        // activity the gateway wrote just before our suspension landed: our write changes only
        // suspendedAt, yet the instance is due to wake (else it waits for the periodic check)
        || wakeDue(updated.getStatus());
  }

  private static boolean wakeDue(AigcInstanceStatus status) {
    Instant suspended = IdleSuspension.parse(status.getSuspendedAt());
    Instant activity = IdleSuspension.parse(status.getLastActivity());
    return suspended != null && activity != null && activity.isAfter(suspended);
  }

  /** How long a new instance may show no status while it waits for its first ID. */
  static final Duration FIRST_ID_GRACE = Duration.ofSeconds(30);

  /** What is left of {@link #FIRST_ID_GRACE} since the instance was created, or null once it is over. */
  private static Duration firstIdGraceLeft(AigcInstance instance, Instant now) {
    String created = instance.getMetadata().getCreationTimestamp();
    if (created == null) return null;
    try {
      Duration left = Duration.between(now, Instant.parse(created).plus(FIRST_ID_GRACE));
      // more left than the grace itself: our clock is behind the API server's; never wait on that
      boolean skewed = left.compareTo(FIRST_ID_GRACE.plusSeconds(5)) > 0;
      return left.isNegative() || left.isZero() || skewed ? null : left.plusMillis(100);
    } catch (java.time.format.DateTimeParseException unreadable) {
      return null;
    }
  }

  /**
   * The owner's instance of the same template that is being deleted with a disk this one gets back
   * (data restore): the allocator holds this one's ID until that deletion ends ({@link IdAllocator}).
   */
  private String diskComingFrom(AigcInstance instance, Context<AigcInstance> context) {
    String owner = instance.getSpec().getOwner();
    String template = instance.getSpec().getTemplate();
    return context.getPrimaryCache().list(instance.getMetadata().getNamespace(),
            o -> o.getMetadata().getDeletionTimestamp() != null && Objects.equals(owner, o.getSpec().getOwner())
                && Objects.equals(template, o.getSpec().getTemplate()) && !o.getMetadata().getUid().equals(instance.getMetadata().getUid()))
        .filter(o -> {
          PersistentVolumeClaim disk = diskOf(o);
          return disk != null && IdAllocator.comesBackToOwner(DiskRecord.of(template, disk));
        })
        .map(o -> o.getMetadata().getName()).sorted().findFirst().orElse(null);
  }

  /** A new instance of a healthy template that has no ID yet: nothing worth telling the user. */
  private static boolean awaitingFirstId(AigcInstance instance, Observed seen) {
    return instance.getStatus() == null && seen.id == null && seen.templateProblem == null && seen.quotaProblem == null
        && seen.template != null && seen.template.getSpec() != null && seen.template.getSpec().getDedicated() != null
        && seen.template.getMetadata().getDeletionTimestamp() == null
        && instance.getMetadata().getDeletionTimestamp() == null;
  }

  @Override
  public DeleteControl cleanup(AigcInstance instance, Context<AigcInstance> context) {
    try (var ignored = Mdc.of(instance.getSpec().getTemplate(), instance.getMetadata().getName())) {
      return release(instance);
    }
  }

  private DeleteControl release(AigcInstance instance) {
    DeleteControl control = releaseDisk(instance);
    String suspended = instance.getStatus() == null ? null : instance.getStatus().getSuspendedAt();
    if (suspended != null && control.isRemoveFinalizer()) {
      // its suspension ends here: what it gave back stays counted once it leaves the cache
      AigcTemplate template = templates.get(new ResourceID(instance.getSpec().getTemplate(), instance.getMetadata().getNamespace())).orElse(null);
      countSuspensionEnd(instance, template, suspended, clock.instant());
    }
    return control;
  }

  private DeleteControl releaseDisk(AigcInstance instance) {
    PersistentVolumeClaim disk = diskOf(instance);
    // the cache may not show a disk the template reconciler made a moment ago: ask the API server
    if (disk == null) disk = liveDiskOf(instance);
    if (disk == null && mayStillGetDisk(instance)) {
      // the template reconciler may be making this instance's disk right now from a cache that does
      // not show the deletion yet: give it a moment (bounded) so the disk is not left behind
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(1));
    }
    if (disk == null) return DeleteControl.defaultDelete();
    String namespace = instance.getMetadata().getNamespace();
    String template = instance.getSpec().getTemplate();
    String claim = disk.getMetadata().getName();
    if (retentionOf(instance, templates.get(new ResourceID(template, namespace)).orElse(null)) != DataRetention.Delete) {
      // The disk keeps its owner and this instance's UID: the ID stays held, and only this owner gets it back.
      events.normal(instance, "DiskRetained", "kept disk " + claim + " for " + instance.getSpec().getOwner()
          + " as dataRetention is Retain; installing " + template + " again brings it back");
      return DeleteControl.defaultDelete();
    }
    DiskRecord record = DiskRecord.of(template, disk);
    AigcTemplate owner = templates.get(new ResourceID(template, namespace)).orElse(null);
    // without a template, or with one being deleted, nothing will run the ID again (its set goes with it)
    boolean nothingCanRunIt = owner == null || owner.getMetadata().getDeletionTimestamp() != null
        || client.resources(GameServerSet.class).inNamespace(namespace).withName(Names.gameServerSet(template)).get() == null;
    if (nothingCanRunIt) {
      diskWriter.delete(namespace, record, disk);
      events.normal(instance, "DiskDeleted", "deleted disk " + claim + " as dataRetention is Delete");
    } else if (!record.deleteOnRelease()) {
      // The template reconciler deletes it once the GameServerSet reserves the ID, so no pod can use it.
      diskWriter.update(DiskRenderer.markDeleteOnRelease(disk), disk, disks);
      events.normal(instance, "DiskDeleting", "disk " + claim + " will be deleted once the instance's pod is gone, as dataRetention is Delete");
    }
    return DeleteControl.defaultDelete();
  }

  private record Observed(AigcTemplate template, Integer id, GameServer gameServer, Pod pod, String templateProblem, String quotaProblem) {}

  /** The disk recording this instance (by UID); the lowest ID if a hand edit left two. */
  private PersistentVolumeClaim diskOf(AigcInstance instance) {
    String template = instance.getSpec().getTemplate();
    return disks.byIndex(BY_INSTANCE_UID, instance.getMetadata().getUid()).stream()
        .filter(p -> Objects.equals(p.getMetadata().getNamespace(), instance.getMetadata().getNamespace())
            && Names.idOfVolumeClaim(template, p.getMetadata().getName()) >= 0)
        .min(java.util.Comparator.comparingInt(p -> Names.idOfVolumeClaim(template, p.getMetadata().getName())))
        .orElse(null);
  }

  /** How long a deletion waits for a disk that may be on its way; deletions always finish (invariant 10). */
  private static final Duration DISK_GRACE = Duration.ofSeconds(3);

  /** A never-allocated instance of a template that allocates, deleted less than {@link #DISK_GRACE} ago. */
  private boolean mayStillGetDisk(AigcInstance instance) {
    if (instance.getStatus() != null && instance.getStatus().getInstanceId() != null) return false;
    AigcTemplate template = templates.get(new ResourceID(instance.getSpec().getTemplate(), instance.getMetadata().getNamespace())).orElse(null);
    if (template == null || template.getSpec() == null || template.getSpec().getDedicated() == null) return false;
    String deleted = instance.getMetadata().getDeletionTimestamp();
    return deleted != null && Instant.parse(deleted).plus(DISK_GRACE).isAfter(Instant.now());
  }

  /** As {@link #diskOf}, read from the API server (once per deletion, never on the hot path). */
  private PersistentVolumeClaim liveDiskOf(AigcInstance instance) {
    String template = instance.getSpec().getTemplate();
    return client.persistentVolumeClaims().inNamespace(instance.getMetadata().getNamespace())
        .withLabel(Labels.TEMPLATE, template).list().getItems().stream()
        .filter(p -> p.getMetadata().getAnnotations() != null
            && instance.getMetadata().getUid().equals(p.getMetadata().getAnnotations().get(Labels.DISK_INSTANCE_UID))
            && Names.idOfVolumeClaim(template, p.getMetadata().getName()) >= 0)
        .min(java.util.Comparator.comparingInt(p -> Names.idOfVolumeClaim(template, p.getMetadata().getName())))
        .orElse(null);
  }

  private Observed observe(AigcInstance instance) {
    String namespace = instance.getMetadata().getNamespace();
    String templateName = instance.getSpec().getTemplate();
    AigcTemplate template = templates.get(new ResourceID(templateName, namespace)).orElse(null);
    PersistentVolumeClaim disk = diskOf(instance);
    Integer id = disk == null ? null : Names.idOfVolumeClaim(templateName, disk.getMetadata().getName());
    GameServer gs = id == null ? null
        : gameServers.get(new ResourceID(Names.gameServer(templateName, id), namespace)).orElse(null);
    String problem = null;
    if (template != null && template.getStatus() != null) {
      var stalled = Conditions.find(template.getStatus().getConditions(), Conditions.STALLED);
      // only a broken template stops allocation; a missing shared endpoint does not concern instances
      if (stalled != null && Conditions.TRUE.equals(stalled.getStatus()) && "InvalidSpec".equals(stalled.getReason())) {
        problem = stalled.getMessage();
      }
    }
    Pod pod = id == null ? null : pods.get(new ResourceID(Names.gameServer(templateName, id), namespace)).orElse(null);
    return new Observed(template, id, gs, pod, problem, board.waitingFor(ResourceID.fromResource(instance)));
  }

  private UpdateControl<AigcInstance> patchIfChanged(AigcInstance instance, AigcInstanceStatus status, Context<AigcInstance> context) {
    AigcInstanceStatus previous = instance.getStatus();
    if (status.equals(previous)) return UpdateControl.noUpdate();
    InstancePhase before = previous == null ? null : previous.getPhase();
    log.debug("instance {}/{}: {} -> {} (resourceVersion {})", instance.getMetadata().getNamespace(),
        instance.getMetadata().getName(), before, status.getPhase(), instance.getMetadata().getResourceVersion());
    // Patch and put the result in JOSDK's cache, so that a reconcile right after this one sees our
    // write instead of writing the same status again from a stale cache.
    PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(instance, context, i -> {
      // lastActivity is the gateway's: JOSDK diffs against the object it edits (the newest it has,
      // re-read after a conflict), so taking that object's value leaves the field out of the patch
      status.setLastActivity(i.getStatus() == null ? null : i.getStatus().getLastActivity());
      i.setStatus(status);
      return i;
    });
    // after the status: the user sees Running one Event round trip sooner
    if (before != status.getPhase()) recordTransition(instance, status, previous == null);
    return UpdateControl.noUpdate();
  }

  /** Events for what a user acts on; intermediate phases show in the status only. */
  private void recordTransition(AigcInstance instance, AigcInstanceStatus status, boolean hadNoStatus) {
    ResourceID id = ResourceID.fromResource(instance);
    if (status.getPhase() == InstancePhase.Starting) {
      // a new instance started when it was installed; a stopped one when it was started again (now)
      boolean isNew = hadNoStatus && instance.getMetadata().getCreationTimestamp() != null;
      startingSince.putIfAbsent(id, isNew ? Instant.parse(instance.getMetadata().getCreationTimestamp()) : Instant.now());
    }
    if (status.getPhase() == InstancePhase.Running) {
      Instant since = startingSince.remove(id);
      if (since != null) telemetry.instanceStarted(Duration.between(since, Instant.now()));
    }
    if (status.getPhase() == InstancePhase.Stopped || status.getPhase() == InstancePhase.Deleting) startingSince.remove(id);
    var ready = Conditions.find(status.getConditions(), Conditions.READY);
    String message = ready == null ? "" : ready.getMessage();
    switch (status.getPhase()) {
      case Running -> events.normal(instance, "Running", "instance " + status.getInstanceId() + " is running at " + status.getUrl());
      case Stopped -> events.normal(instance, "Stopped", "compute released; disk " + status.getVolumeClaim() + " kept");
      case Failed -> events.warning(instance, ready == null ? "Failed" : ready.getReason(), message);
      default -> { }
    }
  }

  private static DataRetention retentionOf(AigcInstance instance, AigcTemplate template) {
    if (instance.getSpec().getDataRetention() != null) return instance.getSpec().getDataRetention();
    if (template != null && template.getSpec() != null && template.getSpec().getDedicated() != null) {
      return template.getSpec().getDedicated().effectiveDataRetention();
    }
    // without a template to ask, keep the data: deleting it must be on purpose (invariant 4)
    return DataRetention.Retain;
  }

  /** The instance that holds a GameServer's ID, by the record on that ID's disk. */
  /** The instance whose ID a GameServer or pod ({@code <set>-<id>}, labelled with its set) is. */
  private Set<ResourceID> holderOf(io.fabric8.kubernetes.api.model.HasMetadata gs) {
    String namespace = gs.getMetadata().getNamespace();
    var labels = gs.getMetadata().getLabels();
    String gssName = labels == null ? null : labels.get(GameServerSet.OWNER_GSS_LABEL);
    if (gssName == null || !gs.getMetadata().getName().startsWith(gssName + "-")) return Set.of();
    PersistentVolumeClaim disk = disks.get(new ResourceID(Names.DATA_VOLUME + "-" + gs.getMetadata().getName(), namespace)).orElse(null);
    return disk == null ? Set.of() : instanceOfDisk(disk);
  }

  private static Set<ResourceID> instanceOfDisk(PersistentVolumeClaim disk) {
    var annotations = disk.getMetadata().getAnnotations();
    String name = annotations == null ? null : annotations.get(Labels.DISK_INSTANCE);
    return name == null ? Set.of() : Set.of(new ResourceID(name, disk.getMetadata().getNamespace()));
  }

  private static Integer idOf(AigcInstance instance) {
    return instance.getStatus() == null ? null : instance.getStatus().getInstanceId();
  }

  private static Set<ResourceID> idsOf(List<AigcInstance> list) {
    return list.stream().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private static String readyOf(AigcTemplate template) {
    if (template.getStatus() == null) return null;
    var ready = Conditions.find(template.getStatus().getConditions(), Conditions.READY);
    return ready == null ? null : ready.getStatus() + "/" + ready.getMessage();
  }

  static String templateKey(String namespace, String template) {
    return namespace + "/" + template;
  }
}
