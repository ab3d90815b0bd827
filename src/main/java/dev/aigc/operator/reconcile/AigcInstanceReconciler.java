package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.InstanceStatusRenderer;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import dev.aigc.operator.observe.Telemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reports each instance's status from what the template reconciler allocated and what OKG runs, and
 * on deletion releases the instance's disk as its retention says. It never writes a GameServerSet.
 */
@ControllerConfiguration(
    name = AigcInstanceReconciler.NAME,
    // a restart request is an annotation, which does not bump the generation; see AigcOperator
    generationAwareEventProcessing = false)
public class AigcInstanceReconciler implements Reconciler<AigcInstance>, Cleaner<AigcInstance> {
  public static final String NAME = "aigcinstance";
  static final String BY_TEMPLATE = "byTemplate";
  /** A safety net for missed events while waiting on deletion; events normally come first. */
  private static final Duration DELETION_RECHECK = Duration.ofSeconds(10);

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AigcInstanceReconciler.class);
  private final KubernetesClient client;
  private final EventRecorder events;
  private InformerEventSource<AigcTemplate, AigcInstance> templates;
  private InformerEventSource<GameServerSet, AigcInstance> gameServerSets;
  private InformerEventSource<GameServer, AigcInstance> gameServers;

  private final Telemetry telemetry;
  private volatile IndexerResourceCache<AigcInstance> primaries;
  /** When each instance began starting, in memory: only for the start-duration metric. */
  private final Map<ResourceID, Instant> startingSince = new java.util.concurrent.ConcurrentHashMap<>();

  public AigcInstanceReconciler(KubernetesClient client, EventRecorder events, Telemetry telemetry) {
    this.client = client;
    this.events = events;
    this.telemetry = telemetry;
  }

  @Override
  public List<EventSource<?, AigcInstance>> prepareEventSources(EventSourceContext<AigcInstance> context) {
    IndexerResourceCache<AigcInstance> primaries = context.getPrimaryCache();
    this.primaries = primaries;
    String finalizer = context.getControllerConfiguration().getFinalizerName();
    primaries.addIndexers(Map.of(BY_TEMPLATE, i -> List.of(templateKey(i.getMetadata().getNamespace(), i.getSpec().getTemplate()))));

    templates = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(AigcTemplate.class, AigcInstance.class)
            .withName("instance-templates")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(t -> idsOf(primaries.byIndex(BY_TEMPLATE, templateKey(t.getMetadata().getNamespace(), t.getMetadata().getName()))))
            // the template's own status writes (instance counts) change nothing an instance shows
            .withOnUpdateFilter((updated, old) -> !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
                || !Objects.equals(readyOf(updated), readyOf(old)))
            .build(),
        context);
    gameServerSets = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(GameServerSet.class, AigcInstance.class)
            .withName("instance-gameserversets")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
            .withSecondaryToPrimaryMapper(gss -> affectedBy(gss, primaries, finalizer))
            .build(),
        context);
    gameServers = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(GameServer.class, AigcInstance.class)
            .withName("instance-gameservers")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(this::holderOf)
            .build(),
        context);
    return List.of(templates, gameServerSets, gameServers);
  }

  @Override
  public UpdateControl<AigcInstance> reconcile(AigcInstance instance, Context<AigcInstance> context) {
    try (var ignored = Mdc.of(instance.getSpec().getTemplate(), instance.getMetadata().getName())) {
      return reconcileInstance(instance, context);
    }
  }

  private UpdateControl<AigcInstance> reconcileInstance(AigcInstance instance, Context<AigcInstance> context) {
    Observed seen = observe(instance);
    if (awaitingFirstId(instance, seen)) {
      // The template reconciler hands out IDs within moments and its write brings us back here; a
      // Pending status in between would cost every new instance one more write (see bench/).
      return UpdateControl.noUpdate();
    }
    AigcInstanceStatus status = InstanceStatusRenderer.render(
        instance, seen.template, seen.id, seen.gameServer, seen.templateProblem, AigcTemplateReconciler.now());
    status.setLastRestart(restart(instance, seen));
    return patchIfChanged(instance, status, context);
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

  /** Updates other than to the status: spec, annotations, finalizers, deletion. */
  static boolean worthReconciling(AigcInstance updated, AigcInstance old) {
    var n = updated.getMetadata();
    var o = old.getMetadata();
    return !Objects.equals(n.getGeneration(), o.getGeneration())
        || !Objects.equals(n.getAnnotations(), o.getAnnotations())
        || !Objects.equals(n.getFinalizers(), o.getFinalizers())
        || !Objects.equals(n.getDeletionTimestamp(), o.getDeletionTimestamp());
  }

  /** A new instance of a healthy template that has no ID yet: nothing worth telling the user. */
  private static boolean awaitingFirstId(AigcInstance instance, Observed seen) {
    return instance.getStatus() == null && seen.id == null && seen.templateProblem == null
        && seen.template != null && seen.template.getSpec() != null && seen.template.getSpec().getDedicated() != null
        && instance.getMetadata().getDeletionTimestamp() == null;
  }

  @Override
  public DeleteControl cleanup(AigcInstance instance, Context<AigcInstance> context) {
    try (var ignored = Mdc.of(instance.getSpec().getTemplate(), instance.getMetadata().getName())) {
      return release(instance);
    }
  }

  private DeleteControl release(AigcInstance instance) {
    Observed seen = observe(instance);
    Integer id = seen.id != null ? seen.id : instance.getStatus() == null ? null : instance.getStatus().getInstanceId();
    if (id == null) return DeleteControl.defaultDelete();

    // Wait until OKG no longer runs this ID: its GameServer is gone and the set reserves it, so that
    // no pod can bring the disk back after we let it go.
    boolean released = seen.gameServer == null
        && (seen.gameServerSet == null || GameServerSetUpdate.reservedIds(seen.gameServerSet).contains(id));
    if (!released) {
      AigcInstanceStatus status = InstanceStatusRenderer.render(
          instance, seen.template, id, seen.gameServer, seen.templateProblem, AigcTemplateReconciler.now());
      if (!status.equals(instance.getStatus())) {
        client.resource(forStatus(instance, status)).patchStatus();
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(DELETION_RECHECK);
    }

    String template = instance.getSpec().getTemplate();
    String claim = Names.volumeClaim(template, id);
    String namespace = instance.getMetadata().getNamespace();
    var pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(claim);
    if (retentionOf(instance, seen.template) == DataRetention.Delete) {
      pvc.delete();
      events.normal(instance, "DiskDeleted", "deleted disk " + claim + " as dataRetention is Delete");
    } else if (pvc.get() != null) {
      // Leave the owner on the disk: the ID stays held, and only this owner gets it back on reinstall.
      pvc.edit(p -> {
        var annotations = new java.util.LinkedHashMap<String, String>();
        if (p.getMetadata().getAnnotations() != null) annotations.putAll(p.getMetadata().getAnnotations());
        annotations.put(Labels.DISK_OWNER, instance.getSpec().getOwner());
        annotations.put(Labels.DISK_INSTANCE, instance.getMetadata().getName());
        p.getMetadata().setAnnotations(annotations);
        return p;
      });
      events.normal(instance, "DiskRetained", "kept disk " + claim + " as dataRetention is Retain");
    }
    return DeleteControl.defaultDelete();
  }

  private record Observed(AigcTemplate template, GameServerSet gameServerSet, Integer id, GameServer gameServer,
      String templateProblem) {}

  private Observed observe(AigcInstance instance) {
    String namespace = instance.getMetadata().getNamespace();
    String templateName = instance.getSpec().getTemplate();
    AigcTemplate template = templates.get(new ResourceID(templateName, namespace)).orElse(null);
    GameServerSet gss = gameServerSets.get(new ResourceID(Names.gameServerSet(templateName), namespace)).orElse(null);
    Integer id = GameServerSetUpdate.recordedIds(gss).get(instance.getMetadata().getName());
    GameServer gs = id == null ? null
        : gameServers.get(new ResourceID(Names.gameServer(templateName, id), namespace)).orElse(null);
    String problem = null;
    if (template != null && template.getStatus() != null) {
      var ready = Conditions.find(template.getStatus().getConditions(), Conditions.READY);
      // only a broken template stops allocation; a missing shared endpoint does not concern instances
      if (ready != null && Conditions.FALSE.equals(ready.getStatus()) && "InvalidSpec".equals(ready.getReason())) {
        problem = ready.getMessage();
      }
    }
    return new Observed(template, gss, id, gs, problem);
  }

  private UpdateControl<AigcInstance> patchIfChanged(AigcInstance instance, AigcInstanceStatus status, Context<AigcInstance> context) {
    AigcInstanceStatus previous = instance.getStatus();
    if (status.equals(previous)) return UpdateControl.noUpdate();
    InstancePhase before = previous == null ? null : previous.getPhase();
    log.debug("instance {}/{}: {} -> {} (resourceVersion {})", instance.getMetadata().getNamespace(),
        instance.getMetadata().getName(), before, status.getPhase(), instance.getMetadata().getResourceVersion());
    if (before != status.getPhase()) recordTransition(instance, status);
    // Patch and put the result in JOSDK's cache, so that a reconcile right after this one sees our
    // write instead of writing the same status again from a stale cache.
    PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(instance, context, i -> {
      i.setStatus(status);
      return i;
    });
    return UpdateControl.noUpdate();
  }

  /** Events for what a user acts on; intermediate phases show in the status only. */
  private void recordTransition(AigcInstance instance, AigcInstanceStatus status) {
    ResourceID id = ResourceID.fromResource(instance);
    if (status.getPhase() == InstancePhase.Starting) {
      // a new instance started when it was installed; a stopped one when it was started again (now)
      boolean isNew = instance.getStatus() == null && instance.getMetadata().getCreationTimestamp() != null;
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

  /** A fresh object holding only what a status patch needs, so no other field can be written by it. */
  private static AigcInstance forStatus(AigcInstance instance, AigcInstanceStatus status) {
    AigcInstance fresh = new AigcInstance();
    fresh.setMetadata(new ObjectMetaBuilder()
        .withName(instance.getMetadata().getName())
        .withNamespace(instance.getMetadata().getNamespace())
        .build());
    fresh.setStatus(status);
    return fresh;
  }

  private static DataRetention retentionOf(AigcInstance instance, AigcTemplate template) {
    if (instance.getSpec().getDataRetention() != null) return instance.getSpec().getDataRetention();
    if (template != null && template.getSpec() != null && template.getSpec().getDedicated() != null) {
      return template.getSpec().getDedicated().effectiveDataRetention();
    }
    // without a template to ask, keep the data: deleting it must be on purpose (invariant 4)
    return DataRetention.Retain;
  }

  /** The instance that holds a GameServer's ID, by the allocation recorded on its set. */
  private Set<ResourceID> holderOf(GameServer gs) {
    String namespace = gs.getMetadata().getNamespace();
    var labels = gs.getMetadata().getLabels();
    String gssName = labels == null ? null : labels.get(GameServerSet.OWNER_GSS_LABEL);
    if (gssName == null) return Set.of();
    String name = gs.getMetadata().getName();
    if (!name.startsWith(gssName + "-")) return Set.of();
    String suffix = name.substring(gssName.length() + 1);
    if (suffix.isEmpty() || suffix.length() > 9 || !suffix.chars().allMatch(Character::isDigit)) return Set.of();
    int id = Integer.parseInt(suffix);
    var gss = gameServerSets.get(new ResourceID(gssName, namespace)).orElse(null);
    return GameServerSetUpdate.recordedIds(gss).entrySet().stream()
        .filter(e -> e.getValue() == id)
        .map(e -> new ResourceID(e.getKey(), namespace))
        .collect(Collectors.toSet());
  }

  /** Instances whose status a new allocation changes (given, moved or lost an ID), or waiting to be deleted. */
  private static Set<ResourceID> affectedBy(
      GameServerSet gss, IndexerResourceCache<AigcInstance> primaries, String finalizer) {
    String namespace = gss.getMetadata().getNamespace();
    String template = gss.getMetadata().getLabels() == null ? gss.getMetadata().getName()
        : gss.getMetadata().getLabels().getOrDefault(Labels.TEMPLATE, gss.getMetadata().getName());
    Map<String, Integer> recorded = GameServerSetUpdate.recordedIds(gss);
    return primaries.byIndex(BY_TEMPLATE, templateKey(namespace, template)).stream()
        // Until our cache shows the finalizer JOSDK just added, a reconcile would add it again and
        // meet a 409; the finalizer's own update event brings the instance back here anyway.
        .filter(i -> i.hasFinalizer(finalizer))
        .filter(i -> i.getMetadata().getDeletionTimestamp() != null
            || !Objects.equals(i.getStatus() == null ? null : i.getStatus().getInstanceId(), recorded.get(i.getMetadata().getName())))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
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
