package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.FieldError;
import dev.aigc.operator.render.GameServerSetRenderer;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.IdAllocator;
import dev.aigc.operator.render.InstanceClaim;
import dev.aigc.operator.render.Labels;
import dev.aigc.operator.render.Names;
import dev.aigc.operator.render.TemplateValidator;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.rate.RateLimited;
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
 * Owns each template's GameServerSet and the ID allocation of its instances: the one writer of
 * {@code replicas} and {@code reserveGameServerIds} (DESIGN invariants 1-3). Serialised per template
 * by JOSDK, so a burst of new instances lands in one GameServerSet write.
 */
@ControllerConfiguration(name = AigcTemplateReconciler.NAME)
// A burst of installs should cost a few GameServerSet writes, not one per instance: at most this
// many reconciles per template in two seconds; events in between are merged into the next one.
@RateLimited(maxReconciliations = 2, within = 2, unit = TimeUnit.SECONDS)
public class AigcTemplateReconciler implements Reconciler<AigcTemplate> {
  public static final String NAME = "aigctemplate";
  private static final Logger log = LoggerFactory.getLogger(AigcTemplateReconciler.class);

  private final OperatorSettings settings;
  private final EventRecorder events;
  private final GameServerSetWriter writer;
  private final SharedEndpoints sharedEndpoints;
  private InformerEventSource<AigcInstance, AigcTemplate> instances;
  private InformerEventSource<GameServerSet, AigcTemplate> gameServerSets;
  private InformerEventSource<PersistentVolumeClaim, AigcTemplate> disks;

  public AigcTemplateReconciler(OperatorSettings settings, EventRecorder events, GameServerSetWriter writer,
      SharedEndpoints sharedEndpoints) {
    this.settings = settings;
    this.events = events;
    this.writer = writer;
    this.sharedEndpoints = sharedEndpoints;
  }

  @Override
  public List<EventSource<?, AigcTemplate>> prepareEventSources(EventSourceContext<AigcTemplate> context) {
    instances = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(AigcInstance.class, AigcTemplate.class)
            .withName("template-instances")
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(i -> Set.of(new ResourceID(i.getSpec().getTemplate(), i.getMetadata().getNamespace())))
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
            .build(),
        context);
    disks = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PersistentVolumeClaim.class, AigcTemplate.class)
            .withName("template-disks")
            .withNamespacesInheritedFromController()
            .withLabelSelector(Labels.diskSelector())
            .withSecondaryToPrimaryMapper(p -> Set.of(new ResourceID(templateOf(p.getMetadata().getLabels(), ""), p.getMetadata().getNamespace())))
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

  private UpdateControl<AigcTemplate> reconcileTemplate(AigcTemplate template, Context<AigcTemplate> context) {
    String name = template.getMetadata().getName();
    String namespace = template.getMetadata().getNamespace();
    List<FieldError> errors = TemplateValidator.validate(template);
    Set<AigcInstance> mine = instances.getSecondaryResources(template);
    AigcTemplateStatus status = baseStatus(template, mine.size());

    if (!errors.isEmpty()) {
      String message = errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
      if (!message.equals(readyMessage(template))) {
        events.warning(template, "InvalidSpec", message);
      }
      // Bad input changes nothing (invariant 9): the GameServerSet stays as it was.
      status.setConditions(Conditions.with(status.getConditions(), Conditions.READY, false, "InvalidSpec", message,
          template.getMetadata().getGeneration(), now()));
      return patchIfChanged(template, status, context);
    }

    if (template.getSpec().getDedicated() != null) {
      ResourceID gssId = new ResourceID(Names.gameServerSet(name), namespace);
      GameServerSet current = gameServerSets.get(gssId).orElse(null);
      Map<String, Integer> recorded = GameServerSetUpdate.recordedIds(current);
      List<InstanceClaim> claims = mine.stream()
          .filter(i -> i.getSpec() != null)
          .map(i -> InstanceClaim.of(i, recordedIdOf(i, recorded)))
          .toList();
      Allocation allocation = IdAllocator.allocate(claims, retainedDisks(template));
      GameServerSet desired = GameServerSetRenderer.render(template, allocation, settings);
      GameServerSet written = writer.apply(desired, current, gameServerSets);
      status.setGameServerSet(desired.getMetadata().getName());
      String rendered = written.getMetadata().getAnnotations().get(Labels.TEMPLATE_GENERATION);
      status.setDedicatedGeneration(rendered == null ? null : Long.valueOf(rendered));
      status.setRunning(allocation.replicas());
      log.debug("template {}/{}: {} instances, running {}, reserved {}", namespace, name, mine.size(),
          allocation.running(), allocation.reserveIds());
    }
    // Both modes in the same reconcile: a new image reaches the GameServerSet and the Knative Service together.
    String sharedProblem = sharedEndpoints.reconcile(template, status, now());
    status.setConditions(sharedProblem == null
        ? Conditions.with(status.getConditions(), Conditions.READY, true, "Reconciled",
            readyMessageOf(template), template.getMetadata().getGeneration(), now())
        : Conditions.with(status.getConditions(), Conditions.READY, false, "SharedEndpointUnavailable",
            sharedProblem, template.getMetadata().getGeneration(), now()));
    return patchIfChanged(template, status, context);
  }

  /** The ID an instance holds: the GameServerSet's record first, its own status if the record lost it. */
  private static Integer recordedIdOf(AigcInstance instance, Map<String, Integer> recorded) {
    Integer id = recorded.get(instance.getMetadata().getName());
    if (id == null && instance.getStatus() != null) id = instance.getStatus().getInstanceId();
    return id;
  }

  /** Disks of this template that exist, with the owner a deleted instance left on them. */
  private Map<Integer, String> retainedDisks(AigcTemplate template) {
    Map<Integer, String> result = new HashMap<>();
    for (PersistentVolumeClaim pvc : disks.getSecondaryResources(template)) {
      int id = Names.idOfVolumeClaim(template.getMetadata().getName(), pvc.getMetadata().getName());
      if (id < 0) continue;
      var annotations = pvc.getMetadata().getAnnotations();
      result.put(id, annotations == null ? "" : annotations.getOrDefault(Labels.DISK_OWNER, ""));
    }
    return result;
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
        || !Objects.equals(idOf(updated), idOf(old));
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
