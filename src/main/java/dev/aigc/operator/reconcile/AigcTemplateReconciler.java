package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
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
import dev.aigc.operator.render.TemplateValidator;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
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
  /** JOSDK's finalizer of the instance controller, whose cleanup hands a disk to its retention. */
  static final String INSTANCE_FINALIZER = io.javaoperatorsdk.operator.ReconcilerUtils.getDefaultFinalizerName(AigcInstance.class);
  private static final Logger log = LoggerFactory.getLogger(AigcTemplateReconciler.class);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final GameServerSetWriter writer;
  private final Disks diskWriter;
  private final SharedEndpoints sharedEndpoints;
  private final io.fabric8.kubernetes.client.KubernetesClient client;
  private final CachedFields caches;
  private InformerEventSource<AigcInstance, AigcTemplate> instances;
  private InformerEventSource<GameServerSet, AigcTemplate> gameServerSets;
  private InformerEventSource<PersistentVolumeClaim, AigcTemplate> disks;

  public AigcTemplateReconciler(io.fabric8.kubernetes.client.KubernetesClient client, OperatorSettings settings,
      EventRecorder events, GameServerSetWriter writer, Disks diskWriter, SharedEndpoints sharedEndpoints,
      CachedFields caches) {
    this.client = client;
    this.caches = caches;
    this.settings = settings;
    this.events = events;
    this.writer = writer;
    this.diskWriter = diskWriter;
    this.sharedEndpoints = sharedEndpoints;
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
    List<EventSource<?, AigcTemplate>> sources = new java.util.ArrayList<>(List.of(instances, gameServerSets, disks));
    sharedEndpoints.eventSource(context).ifPresent(sources::add);
    return sources;
  }

  @Override
  public UpdateControl<AigcTemplate> reconcile(AigcTemplate template, Context<AigcTemplate> context) {
    try (var ignored = Mdc.of(template.getMetadata().getName(), null)) {
      return reconcileTemplate(template, context);
    }
  }

  /**
   * The template is going, and its GameServerSet with it (garbage collection): nothing can run its
   * IDs any more, so the disks that were only waiting for that go now: those of instances deleted
   * with retention Delete, and blank ones. Every other disk stays with its owner (invariant 4).
   */
  @Override
  public DeleteControl cleanup(AigcTemplate template, Context<AigcTemplate> context) {
    try (var ignored = Mdc.of(template.getMetadata().getName(), null)) {
      String name = template.getMetadata().getName();
      String namespace = template.getMetadata().getNamespace();
      Set<AigcInstance> mine = instances.getSecondaryResources(template);
      // an instance being deleted may still mark its disk: let it finish first, so no mark comes too late
      if (mine.stream().anyMatch(i -> i.getMetadata().getDeletionTimestamp() != null)) {
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(java.time.Duration.ofSeconds(1));
      }
      Set<String> live = mine.stream().map(i -> i.getMetadata().getUid()).collect(Collectors.toSet());
      for (PersistentVolumeClaim pvc : disks.getSecondaryResources(template)) {
        DiskRecord disk = DiskRecord.of(name, pvc);
        if (disk == null || disk.deleting()) continue;
        boolean released = disk.deleteOnRelease() && !live.contains(disk.instanceUid());
        if ((released || disk.blank()) && diskWriter.delete(namespace, disk, pvc)) {
          events.normal(template, "DiskDeleted", "deleted disk " + disk.name() + (disk.blank() ? ", which held no one's data,"
              : " of deleted instance " + disk.instanceName()) + " as the template is deleted");
        }
      }
      return DeleteControl.defaultDelete();
    }
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
    if (template.getSpec() == null || template.getSpec().getDedicated() == null) {
      releaseDedicated(template, current, mine.size());
      status.setGameServerSet(null);
      status.setRunning(null);
    } else {
      Allocation allocation = allocate(template, mine, invalid == null);
      if (invalid == null) {
        GameServerSet written = writer.apply(GameServerSetRenderer.render(template, allocation, settings), current, gameServerSets);
        String rendered = written.getMetadata().getAnnotations().get(Labels.TEMPLATE_GENERATION);
        status.setDedicatedGeneration(rendered == null ? null : Long.valueOf(rendered));
      } else if (current != null) {
        // Bad input changes nothing it governs (invariant 9), but stops, starts and deletions go on.
        writer.applyScale(allocation, current, gameServerSets);
      }
      markDisksOfDeletingInstances(template, mine);
      deleteReleasedDisks(template, allocation);
      status.setGameServerSet(Names.gameServerSet(name));
      status.setRunning(allocation.replicas());
      status.setRetainedDisks(allocation.retained());
      status.setUnclaimedDisks(allocation.unclaimed().size());
      reportUnclaimed(template, allocation);
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
          readyMessageOf(template), generation, now()));
    }
    return patchIfChanged(template, status, context);
  }

  /**
   * Allocates IDs from the disks, and writes the disks that record new holders before the
   * GameServerSet can run them: OKG then finds the claim and uses it as it is.
   */
  private Allocation allocate(AigcTemplate template, Set<AigcInstance> mine, boolean allowNew) {
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
    Allocation allocation = IdAllocator.allocate(instanceClaims, records, allowNew);
    // A disk given to an instance that is in fact being deleted (our cache lags) would outlive it
    // whatever its retention: ask the API server about each instance that gets one, once per new ID.
    Set<String> going = goingInstances(template, allocation, mine);
    if (!going.isEmpty()) {
      instanceClaims = instanceClaims.stream().filter(c -> !going.contains(c.uid())).toList();
      allocation = IdAllocator.allocate(instanceClaims, records, allowNew);
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
    Set<String> unguarded = mine.stream().filter(i -> !i.hasFinalizer(INSTANCE_FINALIZER))
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
      status.setRetainedDisks(previous.getRetainedDisks());
      status.setUnclaimedDisks(previous.getUnclaimedDisks());
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

  /** Patches only when the status changed, and caches the result so the next reconcile sees it. */
  private static UpdateControl<AigcTemplate> patchIfChanged(
      AigcTemplate template, AigcTemplateStatus status, Context<AigcTemplate> context) {
    if (status.equals(template.getStatus())) return UpdateControl.noUpdate();
    PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(template, context, t -> {
      t.setStatus(status);
      return t;
    });
    return UpdateControl.noUpdate();
  }

  static boolean allocationMayChange(AigcInstance updated, AigcInstance old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(updated.getMetadata().getDeletionTimestamp(), old.getMetadata().getDeletionTimestamp())
        || !Objects.equals(idOf(updated), idOf(old))
        || killed(updated) != killed(old)
        // the instance controller's finalizer arriving is what lets an instance get a disk
        || updated.hasFinalizer(INSTANCE_FINALIZER) != old.hasFinalizer(INSTANCE_FINALIZER);
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
