package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcQuota;
import dev.aigc.operator.api.DeletionPolicy;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.FieldError;
import dev.aigc.operator.render.GameServerSetRenderer;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.Conditions.Progress;
import dev.aigc.operator.render.DiskRecord;
import dev.aigc.operator.render.DiskRenderer;
import dev.aigc.operator.render.IdAllocator;
import dev.aigc.operator.render.InstanceClaim;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.PodTemplateVersion;
import dev.aigc.operator.render.UpgradeStatus;
import dev.aigc.operator.render.TemplateValidator;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns each template's GameServerSet, the users' disks and the ID allocation of its instances: the
 * one writer of {@code replicas} and {@code reserveGameServerIds} (DESIGN invariants 1-3). The ID
 * record is the disks themselves, so it survives the GameServerSet, the template and the operator.
 * Serialised per template by JOSDK; events that arrive during a reconcile are merged into the next
 * one, so a burst of new instances lands in a few GameServerSet writes.
 */
@ControllerConfiguration(name = AigcTemplateReconciler.NAME,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 3, timeUnit = TimeUnit.MINUTES))
public class AigcTemplateReconciler implements Reconciler<AigcTemplate>, Cleaner<AigcTemplate> {
  public static final String NAME = "aigctemplate";
  private static final Logger log = LoggerFactory.getLogger(AigcTemplateReconciler.class);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final GameServerSetWriter writer;
  private final Disks diskWriter;
  private final SharedEndpoints sharedEndpoints;
  private final WakeBackends wakeBackends;
  private final io.fabric8.kubernetes.client.KubernetesClient client;
  private final CachedFields caches;
  private InformerEventSource<AigcInstance, AigcTemplate> instances;
  private InformerEventSource<GameServerSet, AigcTemplate> gameServerSets;
  private InformerEventSource<PersistentVolumeClaim, AigcTemplate> disks;
  private InformerEventSource<AigcQuota, AigcTemplate> quotas;
  private final QuotaBoard board;
  private final Quotas quotaDecisions;
  /**
   * How often a template's status may be written for its instance counts alone, and its
   * GameServerSet for more IDs to start: a burst of installs shares these writes.
   */
  static final Duration PACE = Duration.ofSeconds(1);
  /** How often a template with instances waiting for a quota looks again for room that freed up unseen. */
  private static final Duration QUOTA_RECHECK = Duration.ofSeconds(30);
  /** When each template's status and GameServerSet were last written by this process (System.nanoTime). */
  private final Map<ResourceID, Long> lastStatusWrite = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<ResourceID, Long> lastSetWrite = new java.util.concurrent.ConcurrentHashMap<>();

  public AigcTemplateReconciler(io.fabric8.kubernetes.client.KubernetesClient client, OperatorSettings settings,
      EventRecorder events, GameServerSetWriter writer, Disks diskWriter, SharedEndpoints sharedEndpoints, QuotaBoard board,
      CachedFields caches) {
    this.client = client;
    this.board = board;
    this.quotaDecisions = new Quotas(board);
    this.caches = caches;
    this.settings = settings;
    this.events = events;
    this.writer = writer;
    this.diskWriter = diskWriter;
    this.sharedEndpoints = sharedEndpoints;
    this.wakeBackends = new WakeBackends(client, settings);
  }

  @Override
  public List<EventSource<?, AigcTemplate>> prepareEventSources(EventSourceContext<AigcTemplate> context) {
    instances = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(AigcInstance.class, AigcTemplate.class)
            .withName("template-instances")
            .withNamespacesInheritedFromController()
            .withItemStore(caches.instanceStore())
            .withSecondaryToPrimaryMapper(i -> i.getSpec() == null ? Set.of()
                : Set.of(new ResourceID(i.getSpec().getTemplate(), i.getMetadata().getNamespace())))
            // status writes of instances do not change the allocation; only what does is an event here
            .withOnUpdateFilter(AigcTemplateReconciler::allocationMayChange)
            .build(),
        context);
    gameServerSets = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(GameServerSet.class, AigcTemplate.class)
            .withName("template-gameserversets")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
            .withSecondaryToPrimaryMapper(g -> Set.of(new ResourceID(templateOf(g.getMetadata().getLabels(), g.getMetadata().getName()), g.getMetadata().getNamespace())))
            .withOnUpdateFilter((updated, old) -> GameServerSetUpdate.changedBeyondWriteBack(old, updated))
            .build(),
        context);
    // Every claim, not only ours: a disk left by AIGC-Gateway under a name we would use must be held, never handed out.
    disks = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PersistentVolumeClaim.class, AigcTemplate.class)
            .withName("template-disks")
            .withNamespacesInheritedFromController()
            .withItemStore(caches.diskStore())
            .withSecondaryToPrimaryMapper(AigcTemplateReconciler::templateOfDisk)
            .build(),
        context);
    // a raised AigcQuota may let waiting instances start; a lowered one stops nobody
    quotas = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(AigcQuota.class, AigcTemplate.class)
            .withName("template-quotas")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(q -> board.waitingTemplates(q.getMetadata().getNamespace()))
            .build(),
        context);
    List<EventSource<?, AigcTemplate>> sources = new java.util.ArrayList<>(List.of(instances, gameServerSets, disks, quotas,
        board.templateEvents()));
    sharedEndpoints.eventSource(context).ifPresent(sources::add);
    sources.addAll(wakeBackends.eventSources(context));
    return sources;
  }

  @Override
  public UpdateControl<AigcTemplate> reconcile(AigcTemplate template, Context<AigcTemplate> context) {
    try (var ignored = Mdc.of(template.getMetadata().getName(), null)) {
      return reconcileTemplate(template, context);
    }
  }

  /**
   * The template is going. Cascade (the default): its instances are deleted, each disk handled by
   * its instance's retention (the instance controller's cleanup); once they are gone, the disks
   * only waiting for that (Delete retention, blank) go, then the GameServerSet and the Knative
   * Service. Retained disks stay with their owners and come back if the template is created again
   * (invariant 4). Block: nothing is deleted while instances exist; the template says why.
   */
  @Override
  public DeleteControl cleanup(AigcTemplate template, Context<AigcTemplate> context) {
    try (var ignored = Mdc.of(template.getMetadata().getName(), null)) {
      String name = template.getMetadata().getName();
      String namespace = template.getMetadata().getNamespace();
      Set<AigcInstance> mine = instances.getSecondaryResources(template);
      // Before the template goes, the API server is asked once: an instance created a moment ago may
      // not be in the cache yet, and would escape the cascade.
      if (mine.isEmpty()) mine = liveInstancesOf(template);
      List<AigcInstance> staying = mine.stream().filter(i -> i.getMetadata().getDeletionTimestamp() == null)
          .sorted(java.util.Comparator.comparing(i -> i.getMetadata().getName())).toList();
      boolean block = template.getSpec() != null && template.getSpec().effectiveDeletionPolicy() == DeletionPolicy.Block;
      // while they are there, a stop or a deletion still stops its pod
      if (!mine.isEmpty()) keepScaling(template, mine, context);
      if (block && !staying.isEmpty()) {
        String message = "deletionPolicy is Block and " + staying.size() + " instance(s) use this template ("
            + names(staying) + "): delete them, or set spec.deletionPolicy to Cascade";
        if (!message.equals(readyMessage(template))) events.warning(template, "DeletionBlocked", message);
        reportDeletion(template, mine.size(), Conditions.Progress.STALLED, "DeletionBlocked", message, context);
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(java.time.Duration.ofSeconds(30));
      }
      if (!staying.isEmpty()) {
        for (AigcInstance instance : staying) {
          try {
            // the very instance seen (its resourceVersion): a newer write or a new instance of that
            // name, maybe of another template, is looked at again in the next pass, not deleted blind
            client.resource(instance).lockResourceVersion(instance.getMetadata().getResourceVersion()).delete();
          } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) throw e;
          }
        }
        events.normal(template, "DeletingInstances", "deleting " + staying.size() + " instance(s) as the template is deleted: " + names(staying));
      }
      // an instance being deleted may still mark its disk: let it finish first, so no mark comes too late
      if (!mine.isEmpty()) {
        reportDeletion(template, mine.size(), Conditions.Progress.RECONCILING, "DeletingInstances",
            "waiting for " + mine.size() + " instance(s) to be deleted: " + names(mine), context);
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(java.time.Duration.ofSeconds(1));
      }
      List<String> kept = new java.util.ArrayList<>();
      for (PersistentVolumeClaim pvc : disks.getSecondaryResources(template)) {
        DiskRecord disk = DiskRecord.of(name, pvc);
        if (disk == null || disk.deleting()) continue;
        if ((disk.deleteOnRelease() || disk.blank()) && diskWriter.delete(namespace, disk, pvc)) {
          events.normal(template, "DiskDeleted", "deleted disk " + disk.name() + (disk.blank() ? ", which held no one's data,"
              : " of deleted instance " + disk.instanceName()) + " as the template is deleted");
        } else if (disk.owner() != null) {
          kept.add(disk.name() + " (" + disk.owner() + ")");
        }
      }
      if (!kept.isEmpty()) {
        events.normal(template, "DisksRetained", "kept " + kept.size() + " disk(s) with their owners' data: " + String.join(", ", kept)
            + "; creating the template again gives each back to its owner");
      }
      GameServerSet set = gameServerSets.get(new ResourceID(Names.gameServerSet(name), namespace)).orElse(null);
      if (set != null && ownedBy(set, template)) writer.delete(set);
      sharedEndpoints.deleteFor(template);
      // nothing of it waits any more, and its GPUs are free for the namespace's other templates
      board.publish(namespace, name, Map.of());
      board.wakeWaiting(namespace, name);
      quotaDecisions.forget(template);
      lastStatusWrite.remove(ResourceID.fromResource(template));
      lastSetWrite.remove(ResourceID.fromResource(template));
      return DeleteControl.defaultDelete();
    }
  }

  private Quotas.Namespace namespaceView(Context<AigcTemplate> context, String namespace) {
    return new Quotas.Namespace() {
      public List<AigcTemplate> templates() { return context.getPrimaryCache().list(namespace).toList(); }
      public List<AigcInstance> instances() { return instances.list(namespace).toList(); }
    };
  }

  /**
   * A template being deleted whose instances are still there (Block, or Cascade until they are gone):
   * their stops, starts, suspensions and deletions go on, as for an invalid template, over the set as
   * it is; no new ID is handed out.
   */
  private void keepScaling(AigcTemplate template, Set<AigcInstance> mine, Context<AigcTemplate> context) {
    if (template.getSpec() == null || template.getSpec().getDedicated() == null) return;
    String namespace = template.getMetadata().getNamespace();
    GameServerSet current = gameServerSets.get(new ResourceID(Names.gameServerSet(template.getMetadata().getName()), namespace))
        .orElse(null);
    if (current == null || !ownedBy(current, template)) return;
    List<AigcQuota> namespaceQuotas = quotas.list(namespace).toList();
    var lock = Quotas.crossesTemplates(template, namespaceQuotas) ? board.lock(namespace) : null;
    if (lock != null) lock.lock();
    Allocation allocation;
    try {
      Quotas.Verdict verdict = quotaDecisions.decide(template, mine, namespaceQuotas, namespaceView(context, namespace),
          gameServerSets, disks);
      allocation = allocate(template, mine, false, verdict.waiting());
      writer.applyScale(allocation, current, gameServerSets);
      quotaDecisions.publish(template, mine, verdict);
    } finally {
      if (lock != null) lock.unlock();
    }
    if (current.getSpec() != null && current.getSpec().getReplicas() != null && allocation.replicas() < current.getSpec().getReplicas()) {
      board.wakeWaiting(namespace, template.getMetadata().getName());
    }
    markDisksOfDeletingInstances(template, mine);
    deleteReleasedDisks(template, allocation);
  }

  private Set<AigcInstance> liveInstancesOf(AigcTemplate template) {
    return client.resources(AigcInstance.class).inNamespace(template.getMetadata().getNamespace()).list().getItems().stream()
        .filter(i -> i.getSpec() != null && template.getMetadata().getName().equals(i.getSpec().getTemplate()))
        .collect(Collectors.toSet());
  }

  private void reportDeletion(AigcTemplate template, int instanceCount, Conditions.Progress progress, String reason,
      String message, Context<AigcTemplate> context) {
    AigcTemplateStatus status = baseStatus(template, instanceCount);
    status.setConditions(Conditions.withProgress(status.getConditions(), progress, reason, message,
        template.getMetadata().getGeneration(), now()));
    patchIfChanged(template, status, context);
  }

  private static String names(java.util.Collection<AigcInstance> instances) {
    List<String> names = instances.stream().map(i -> i.getMetadata().getName()).sorted().toList();
    return names.size() <= 10 ? String.join(", ", names) : String.join(", ", names.subList(0, 10)) + " and " + (names.size() - 10) + " more";
  }

  /** A failed reconcile is told in status, not only logged; JOSDK retries with back-off, without end. */
  @Override
  public ErrorStatusUpdateControl<AigcTemplate> updateErrorStatus(AigcTemplate template, Context<AigcTemplate> context, Exception e) {
    ApiErrors.Verdict verdict = ApiErrors.verdict(e, context);
    log.warn("template {}/{}: {}", template.getMetadata().getNamespace(), template.getMetadata().getName(), verdict.message());
    AigcTemplateStatus status = baseStatus(template, template.getStatus() == null ? 0 : nullToZero(template.getStatus().getInstances()));
    status.setConditions(Conditions.withProgress(status.getConditions(), verdict.progress(), verdict.reason(),
        verdict.message(), template.getMetadata().getGeneration(), now()));
    try {
      patchIfChanged(template, status, context);
    } catch (RuntimeException statusFailed) {
      log.warn("could not record the error in the status of template {}: {}", template.getMetadata().getName(), statusFailed.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  private UpdateControl<AigcTemplate> reconcileTemplate(AigcTemplate template, Context<AigcTemplate> context) {
    String name = template.getMetadata().getName();
    String namespace = template.getMetadata().getNamespace();
    List<FieldError> errors = TemplateValidator.validate(template);
    Set<AigcInstance> mine = instances.getSecondaryResources(template);
    AigcTemplateStatus status = baseStatus(template, mine.size());
    String invalid = errors.isEmpty() ? null : errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    if (invalid != null && !invalid.equals(readyMessage(template))) events.warning(template, "InvalidSpec", invalid);

    GameServerSet current = gameServerSets.get(new ResourceID(Names.gameServerSet(name), namespace)).orElse(null);
    Duration setWait = Duration.ZERO;
    String wakeNote = null;
    if (template.getSpec() == null || template.getSpec().getDedicated() == null) {
      releaseDedicated(template, current, mine.size());
      // no instances, nothing to wake: its wake Service goes too
      if (template.getSpec() != null) wakeBackends.reconcile(template);
      board.publish(namespace, name, Map.of());
      status.setWaitingForQuota(null);
      status.setGameServerSet(null);
      status.setRunning(null);
    } else {
      List<AigcQuota> namespaceQuotas = quotas.list(namespace).toList();
      // Under a namespace's GPU quota the decision counts every template's instances there: one
      // decision and its write at a time per namespace, so two templates never both take the last GPU.
      var lock = Quotas.crossesTemplates(template, namespaceQuotas) ? board.lock(namespace) : null;
      if (lock != null) lock.lock();
      Allocation allocation;
      Quotas.Verdict verdict;
      try {
        verdict = quotaDecisions.decide(template, mine, namespaceQuotas, namespaceView(context, namespace), gameServerSets, disks);
        allocation = allocate(template, mine, invalid == null, verdict.waiting());
        if (invalid == null) {
          GameServerSet desired = GameServerSetRenderer.render(template, allocation, settings, current);
          ResourceID id = ResourceID.fromResource(template);
          long now = System.nanoTime();
          // a write that only starts more IDs waits for the rest of the second since the last one, so a
          // burst of installs shares it; the disks, the ID record, are written already (invariant 3).
          // Never under a namespace quota's lock: the next template's decision counts what this set runs.
          // A wake is a user waiting at a starting page: never held back for a burst that is not there.
          setWait = lock == null && allocation.toDelete().isEmpty() && GameServerSetUpdate.onlyStartsMore(desired, current)
              && mine.stream().noneMatch(i -> waking(i, Instant.now()))
              ? delayAfter(lastSetWrite.get(id), now) : Duration.ZERO;
          GameServerSet written = setWait.isZero() ? writer.apply(desired, current, gameServerSets) : current;
          if (written != current) lastSetWrite.put(id, now);
          status.setDedicatedGeneration(PodTemplateVersion.generationOf(written));
          status.setDedicatedParts(PodTemplateVersion.partsOf(written));
        } else if (current != null) {
          // Bad input changes nothing it governs (invariant 9), but stops, starts and deletions go on.
          writer.applyScale(allocation, current, gameServerSets);
        }
        quotaDecisions.publish(template, mine, verdict);
      } finally {
        if (lock != null) lock.unlock();
      }
      // room freed here (after the write, so they see it) may let other templates' instances start
      if (current != null && current.getSpec() != null && current.getSpec().getReplicas() != null
          && allocation.replicas() < current.getSpec().getReplicas()) {
        board.wakeWaiting(namespace, name);
      }
      status.setWaitingForQuota(verdict.waiting().isEmpty() ? null : verdict.waiting().size());
      markDisksOfDeletingInstances(template, mine);
      deleteReleasedDisks(template, allocation);
      status.setGameServerSet(Names.gameServerSet(name));
      status.setRunning(allocation.replicas());
      status.setRetainedDisks(allocation.retained());
      status.setOutdatedInstances((int) mine.stream().filter(AigcTemplateReconciler::outdated).count());
      status.setUnclaimedDisks(allocation.unclaimed().size());
      reportUnclaimed(template, allocation);
      // the wake Service its instances' Ingresses name as their default backend, while it idles
      if (invalid == null) wakeNote = wakeBackends.reconcile(template);
      log.debug("template {}/{}: {} instances, running {}, held {}", namespace, name, mine.size(),
          allocation.running(), allocation.held());
    }
    // Both modes in the same reconcile: a new image reaches the GameServerSet and the Knative Service together.
    String sharedProblem = invalid != null ? null : sharedEndpoints.reconcile(template, status, now());
    Long generation = template.getMetadata().getGeneration();
    if (invalid != null) {
      status.setConditions(Conditions.withProgress(status.getConditions(), Progress.STALLED, "InvalidSpec", invalid, generation, now()));
    } else if (sharedProblem != null) {
      // the only problem reported here is a missing Knative: a human has to install it
      status.setConditions(Conditions.withProgress(status.getConditions(), Progress.STALLED,
          "SharedEndpointUnavailable", sharedProblem, generation, now()));
    } else {
      status.setConditions(Conditions.withProgress(status.getConditions(), Progress.READY, "Reconciled",
          readyMessageOf(template) + (wakeNote == null ? "" : "; " + wakeNote), generation, now()));
    }
    Duration wait = patchIfChanged(template, status, context);
    if (wait.isZero() || (!setWait.isZero() && setWait.compareTo(wait) < 0)) wait = setWait;
    // Room can also free up unseen (OKG lowers replicas itself for a killed pod): look again now and then.
    if (status.getWaitingForQuota() != null && (wait.isZero() || wait.compareTo(QUOTA_RECHECK) > 0)) wait = QUOTA_RECHECK;
    // what waits is written by the reconcile this schedules, or by any earlier one
    return wait.isZero() ? UpdateControl.noUpdate() : UpdateControl.<AigcTemplate>noUpdate().rescheduleAfter(wait);
  }

  /**
   * Allocates IDs from the disks, and writes the disks that record new holders before the
   * GameServerSet can run them: OKG then finds the claim and uses it as it is.
   */
  private Allocation allocate(AigcTemplate template, Set<AigcInstance> mine, boolean allowNew, Set<String> waiting) {
    String name = template.getMetadata().getName();
    Map<Integer, PersistentVolumeClaim> claims = new HashMap<>();
    List<DiskRecord> records = new java.util.ArrayList<>();
    for (PersistentVolumeClaim pvc : disks.getSecondaryResources(template)) {
      DiskRecord record = DiskRecord.of(name, pvc);
      if (record == null) continue;
      records.add(record);
      claims.put(record.id(), pvc);
    }
    List<InstanceClaim> instanceClaims = mine.stream().map(InstanceClaim::of).toList();
    Allocation allocation = IdAllocator.allocate(instanceClaims, records, allowNew, waiting);
    // A disk given to an instance that is in fact being deleted (our cache lags) would outlive it
    // whatever its retention: ask the API server about each instance that gets one, once per new ID.
    Set<String> going = goingInstances(template, allocation, mine);
    if (!going.isEmpty()) {
      instanceClaims = instanceClaims.stream().filter(c -> !going.contains(c.uid())).toList();
      allocation = IdAllocator.allocate(instanceClaims, records, allowNew, waiting);
    }
    for (Allocation.Assignment a : allocation.toCreate()) {
      diskWriter.create(DiskRenderer.render(template, a.id(), a.instance()), disks);
    }
    for (Allocation.Assignment a : allocation.toStamp()) {
      PersistentVolumeClaim existing = claims.get(a.id());
      diskWriter.update(DiskRenderer.restamp(existing, name, a.instance()), existing, disks);
      String previousOwner = a.disk().owner();
      events.normal(template, "DiskAssigned", "disk " + existing.getMetadata().getName() + " (ID " + a.id() + ")"
          + (previousOwner == null ? " adopted by " : " given back to its owner " + previousOwner + " for ")
          + "instance " + a.instance().name());
    }
    return allocation;
  }

  /** UIDs of instances about to get a disk that the API server says are gone or being deleted. */
  private Set<String> goingInstances(AigcTemplate template, Allocation allocation, Set<AigcInstance> mine) {
    Set<String> going = new java.util.HashSet<>();
    // Only an instance that carries the instance controller's finalizer gets a disk: one deleted
    // before that would vanish without the cleanup that hands its disk to its retention.
    Set<String> unguarded = mine.stream().filter(i -> !i.hasFinalizer(AigcInstance.FINALIZER))
        .map(i -> i.getMetadata().getUid()).collect(Collectors.toSet());
    for (Allocation.Assignment a : java.util.stream.Stream.concat(allocation.toCreate().stream(), allocation.toStamp().stream()).toList()) {
      if (unguarded.contains(a.instance().uid())) {
        going.add(a.instance().uid());
        continue;
      }
      AigcInstance live = client.resources(AigcInstance.class).inNamespace(template.getMetadata().getNamespace())
          .withName(a.instance().name()).get();
      if (live == null || !a.instance().uid().equals(live.getMetadata().getUid()) || live.getMetadata().getDeletionTimestamp() != null) {
        going.add(a.instance().uid());
      }
    }
    return going;
  }

  /**
   * The instance's own cleanup marks its disk for deletion; a disk made or restamped a moment after
   * that cleanup looked is marked here instead, while the finalizer still holds the instance.
   */
  private void markDisksOfDeletingInstances(AigcTemplate template, Set<AigcInstance> mine) {
    for (AigcInstance instance : mine) {
      if (instance.getMetadata().getDeletionTimestamp() == null || instance.getSpec() == null) continue;
      DataRetention retention = instance.getSpec().getDataRetention() != null ? instance.getSpec().getDataRetention()
          : template.getSpec().getDedicated().effectiveDataRetention();
      if (retention != DataRetention.Delete) continue;
      for (PersistentVolumeClaim pvc : disks.getSecondaryResources(template)) {
        DiskRecord disk = DiskRecord.of(template.getMetadata().getName(), pvc);
        if (disk != null && instance.getMetadata().getUid().equals(disk.instanceUid()) && !disk.deleteOnRelease() && !disk.deleting()) {
          diskWriter.update(DiskRenderer.markDeleteOnRelease(pvc), pvc, disks);
        }
      }
    }
  }

  /** Disks whose instance was deleted with retention Delete go once their ID is reserved (invariant 4). */
  private void deleteReleasedDisks(AigcTemplate template, Allocation allocation) {
    String namespace = template.getMetadata().getNamespace();
    for (DiskRecord disk : allocation.toDelete()) {
      PersistentVolumeClaim current = disks.get(new ResourceID(disk.name(), namespace)).orElse(null);
      if (diskWriter.delete(namespace, disk, current)) {
        events.normal(template, "DiskDeleted", "deleted disk " + disk.name() + " of deleted instance "
            + disk.instanceName() + " (owner " + disk.owner() + ") as its dataRetention was Delete");
      }
    }
  }

  /**
   * Without spec.dedicated the template offers no instances: its GameServerSet goes (its pods with
   * it); instances keep their IDs and disks and report it, and come back if dedicated returns.
   */
  private void releaseDedicated(AigcTemplate template, GameServerSet current, int instanceCount) {
    if (current == null || !ownedBy(current, template)) return;
    writer.delete(current);
    events.warning(template, "DedicatedRemoved", "spec.dedicated was removed: GameServerSet "
        + current.getMetadata().getName() + " deleted, " + instanceCount + " instance(s) stopped; their IDs and disks are kept");
  }

  private void reportUnclaimed(AigcTemplate template, Allocation allocation) {
    int before = template.getStatus() == null ? 0 : nullToZero(template.getStatus().getUnclaimedDisks());
    if (allocation.unclaimed().isEmpty() || allocation.unclaimed().size() == before) return;
    events.warning(template, "UnclaimedDisks", "disks of IDs " + allocation.unclaimed() + " name no owner, so they are"
        + " held and never given to anyone; annotate one with " + Labels.DISK_OWNER + "=<user> to give it to that user");
  }

  private static boolean ownedBy(GameServerSet gss, AigcTemplate template) {
    var refs = gss.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> Objects.equals(r.getUid(), template.getMetadata().getUid()));
  }

  private static Set<ResourceID> templateOfDisk(PersistentVolumeClaim pvc) {
    var labels = pvc.getMetadata().getLabels();
    String template = labels == null ? null : labels.get(Labels.TEMPLATE);
    if (template == null) template = Names.templateOfVolumeClaim(pvc.getMetadata().getName());
    return template == null ? Set.of() : Set.of(new ResourceID(template, pvc.getMetadata().getNamespace()));
  }

  private static int nullToZero(Integer i) {
    return i == null ? 0 : i;
  }

  private static AigcTemplateStatus baseStatus(AigcTemplate template, int instanceCount) {
    var previous = template.getStatus();
    AigcTemplateStatus status = new AigcTemplateStatus();
    status.setConditions(previous == null ? List.of() : previous.getConditions());
    status.setObservedGeneration(template.getMetadata().getGeneration());
    status.setInstances(instanceCount);
    status.setModes(modesOf(template));
    if (previous != null) {
      status.setGameServerSet(previous.getGameServerSet());
      status.setSharedUrl(previous.getSharedUrl());
      status.setRunning(previous.getRunning());
      status.setDedicatedGeneration(previous.getDedicatedGeneration());
      status.setDedicatedParts(previous.getDedicatedParts());
      status.setRetainedDisks(previous.getRetainedDisks());
      status.setUnclaimedDisks(previous.getUnclaimedDisks());
      status.setWaitingForQuota(previous.getWaitingForQuota());
      status.setSharedGeneration(previous.getSharedGeneration());
    }
    return status;
  }

  static String modesOf(AigcTemplate template) {
    var spec = template.getSpec();
    if (spec == null) return null;
    if (spec.getDedicated() != null && spec.getShared() != null) return Labels.DEDICATED + "," + Labels.SHARED;
    if (spec.getDedicated() != null) return Labels.DEDICATED;
    return spec.getShared() != null ? Labels.SHARED : null;
  }

  private static String readyMessageOf(AigcTemplate template) {
    String name = template.getMetadata().getName();
    if (template.getSpec().getDedicated() != null && template.getSpec().getShared() != null) {
      return "GameServerSet " + Names.gameServerSet(name) + " and Knative Service " + name + " are up to date";
    }
    return template.getSpec().getDedicated() != null
        ? "GameServerSet " + Names.gameServerSet(name) + " is up to date"
        : "Knative Service " + name + " is up to date";
  }

  private static String readyMessage(AigcTemplate template) {
    var condition = template.getStatus() == null ? null : Conditions.find(template.getStatus().getConditions(), Conditions.READY);
    return condition == null ? null : condition.getMessage();
  }

  /**
   * Patches only when the status changed, and caches the result so the next reconcile sees it. A
   * change of the instance counts alone is written at most once per {@link #PACE} per
   * template (installs would otherwise cost a template status write each): until then the reconcile
   * is rescheduled for the moment it may write, and any reconcile after that moment writes.
   * Conditions, generations and everything else are written at once.
   */
  private Duration patchIfChanged(AigcTemplate template, AigcTemplateStatus status, Context<AigcTemplate> context) {
    if (status.equals(template.getStatus())) return Duration.ZERO;
    ResourceID id = ResourceID.fromResource(template);
    long now = System.nanoTime();
    Duration wait = delayOfWrite(status, template.getStatus(), lastStatusWrite.get(id), now);
    if (!wait.isZero()) return wait;
    PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(template, context, t -> {
      t.setStatus(status);
      return t;
    });
    lastStatusWrite.put(id, now);
    return Duration.ZERO;
  }

  /**
   * How long to hold back writing {@code desired} over {@code current}, last written at {@code
   * lastWrite} (nanoTime, null if never by this process): zero unless only the counts changed
   * within {@link #PACE} of the last write.
   */
  static Duration delayOfWrite(AigcTemplateStatus desired, AigcTemplateStatus current, Long lastWrite, long now) {
    return onlyCountsDiffer(desired, current) ? delayAfter(lastWrite, now) : Duration.ZERO;
  }

  /** What is left of {@link #PACE} since {@code lastWrite} (nanoTime; null: no write yet), or zero. */
  static Duration delayAfter(Long lastWrite, long now) {
    if (lastWrite == null) return Duration.ZERO;
    long wait = PACE.toNanos() - (now - lastWrite);
    // a millisecond more, so the rescheduled reconcile does not find itself a hair early
    return wait <= 0 ? Duration.ZERO : Duration.ofNanos(wait).plusMillis(1);
  }

  /** Whether {@code a} and {@code b} differ in the instance counts only (instances, running). */
  static boolean onlyCountsDiffer(AigcTemplateStatus a, AigcTemplateStatus b) {
    if (a == null || b == null) return false;
    AigcTemplateStatus withCounts = Serialization.clone(b);
    withCounts.setInstances(a.getInstances());
    withCounts.setRunning(a.getRunning());
    return a.equals(withCounts);
  }

  static boolean allocationMayChange(AigcInstance updated, AigcInstance old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp())
        || !Objects.equals(idOf(updated), idOf(old))
        || killed(updated) != killed(old)
        || !Objects.equals(suspendedAt(updated), suspendedAt(old))
        // the instance controller's finalizer arriving is what lets an instance get a disk
        || updated.hasFinalizer(AigcInstance.FINALIZER) != old.hasFinalizer(AigcInstance.FINALIZER)
        // not allocation, but the count of outdated instances in the template's status
        || outdated(updated) != outdated(old);
  }

  private static boolean outdated(AigcInstance instance) {
    return instance.getStatus() != null && Conditions.isTrue(instance.getStatus().getConditions(), UpgradeStatus.UPDATE_AVAILABLE);
  }

  /** How recent the activity of an instance that is not Running must be for it to count as being woken. */
  private static final Duration WAKING = Duration.ofSeconds(10);

  /** An instance whose owner's request has just woken it: it has an ID, is not Running, and was reached moments ago. */
  static boolean waking(AigcInstance instance, Instant now) {
    var status = instance.getStatus();
    if (status == null || status.getInstanceId() == null || status.getSuspendedAt() != null || status.getLastActivity() == null
        || status.getPhase() == dev.aigc.operator.api.InstancePhase.Running) return false;
    Instant reached = dev.aigc.operator.render.IdleSuspension.parse(status.getLastActivity());
    // moments ago on either side: a gateway clock far ahead of ours is skew, not a wake that lasts
    return reached != null && reached.isAfter(now.minus(WAKING)) && reached.isBefore(now.plus(WAKING));
  }

  private static String suspendedAt(AigcInstance instance) {
    return instance.getStatus() == null ? null : instance.getStatus().getSuspendedAt();
  }

  private static boolean killed(AigcInstance instance) {
    return instance.getStatus() != null && instance.getStatus().killedAt(instance.getMetadata().getGeneration());
  }

  private static Integer idOf(AigcInstance instance) {
    return instance.getStatus() == null ? null : instance.getStatus().getInstanceId();
  }

  private static String templateOf(Map<String, String> labels, String fallback) {
    return labels == null ? fallback : labels.getOrDefault(Labels.TEMPLATE, fallback);
  }

  static String now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }
}
