package dev.aigc.operator.sandbox;

import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerTemplate;
import dev.aigc.operator.okg.GameServerSpec;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.okg.Network;
import dev.aigc.operator.sandbox.OkgScaling.Asts;
import dev.aigc.operator.sandbox.OkgScaling.Gss;
import dev.aigc.operator.sandbox.OkgScaling.PodView;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for OpenKruiseGame on fabric8's mock API server: its GameServerSet controller (the
 * scaling step of {@link OkgScaling}, the Kill path, the write-back of reserve IDs in OKG's
 * formats), the Advanced StatefulSet it drives (pods at the lowest unreserved ordinals, per-ID
 * claims used as they are, terminating pods waited for) and its GameServer controller (one
 * GameServer per pod, owned by the pod, opsState and deletionPriority copied to pod labels).
 *
 * <p>What a real cluster adds and the mock server lacks is simulated too: pods take a while to
 * appear and, held by a finalizer standing in for the kubelet's grace period, a while to go; the
 * garbage collector removes a GameServer once its pod is gone.
 */
public class OkgSimulator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OkgSimulator.class);
  /** Holds a deleted pod for {@link #setPodTerminationDelay}, as a kubelet's graceful stop would. */
  public static final String TERMINATION_FINALIZER = "sandbox.aigc.dev/graceful-termination";
  static final String GS_STATE_LABEL = "game.kruise.io/gs-state";
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String NETWORK_TYPE_ANNOTATION = "game.kruise.io/network-type";
  static final String NETWORK_CONF_ANNOTATION = "game.kruise.io/network-conf";
  static final String DELETING = "Deleting";
  static final String CREATING = "Creating";
  private static final Duration RETRY = Duration.ofMillis(200);
  private static final int WORKERS = 4;

  private final KubernetesClient client;
  private final ExecutorService[] workers = new ExecutorService[WORKERS];
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "okg-simulator-timers"));
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  /** The Advanced StatefulSet of each GameServerSet: replicas and reserveOrdinals as OKG last wrote them. */
  private final Map<String, Asts> workloads = new ConcurrentHashMap<>();
  /** The pod template revisions of each set's workload. */
  private final Map<String, AstsRevisions> revisions = new ConcurrentHashMap<>();
  /** Pods whose creation is scheduled, as {@code <namespace>/<pod>}. */
  private final Set<String> creating = ConcurrentHashMap.newKeySet();
  /** UIDs of pods whose graceful stop has begun. */
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();
  private final AtomicInteger pods = new AtomicInteger();
  private volatile boolean holdReadiness;
  private volatile Duration podCreationDelay = Duration.ofMillis(100);
  private volatile Duration podTerminationDelay = Duration.ofMillis(300);
  private SharedIndexInformer<GameServerSet> informer;
  private SharedIndexInformer<Pod> podInformer;
  private SharedIndexInformer<GameServer> gsInformer;

  public OkgSimulator(KubernetesClient client) {
    this.client = client;
    for (int i = 0; i < WORKERS; i++) {
      int n = i;
      workers[i] = Executors.newSingleThreadExecutor(r -> new Thread(r, "okg-simulator-" + n));
    }
  }

  /** One worker per set, so that a set's steps never overlap, as OKG's work queue guarantees. */
  private ExecutorService workerFor(String key) {
    return workers[Math.floorMod(key.hashCode(), WORKERS)];
  }

  public OkgSimulator start() {
    informer = client.resources(GameServerSet.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override public void onAdd(GameServerSet gss) { schedule(keyOf(gss)); }
      @Override public void onUpdate(GameServerSet old, GameServerSet gss) { schedule(keyOf(gss)); }
      @Override public void onDelete(GameServerSet gss, boolean unknown) { setGone(keyOf(gss)); }
    });
    podInformer = client.pods().inAnyNamespace().withLabel(GameServerSet.OWNER_GSS_LABEL).inform(new ResourceEventHandler<>() {
      @Override public void onAdd(Pod pod) { schedule(setKeyOf(pod)); }
      @Override public void onUpdate(Pod old, Pod pod) { podUpdated(pod); }
      @Override public void onDelete(Pod pod, boolean unknown) { podGone(pod); }
    });
    gsInformer = client.resources(GameServer.class).inAnyNamespace().withLabel(GameServerSet.OWNER_GSS_LABEL)
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(GameServer gs) { syncGsToPodLater(gs); }
          @Override public void onUpdate(GameServer old, GameServer gs) { syncGsToPodLater(gs); }
          @Override public void onDelete(GameServer gs, boolean unknown) { gameServerGone(gs); }
        });
    return this;
  }

  /** While held, new GameServers stay Creating: the app has not started yet. */
  public void holdReadiness(boolean hold) {
    this.holdReadiness = hold;
    if (!hold) workers[0].submit(() -> guarded("readiness", this::readyAll));
  }

  /** Pods created so far, across all sets. */
  public int podsCreated() {
    return pods.get();
  }

  /** How long a pod takes to appear after the workload decides to create it. */
  public OkgSimulator setPodCreationDelay(Duration delay) {
    this.podCreationDelay = delay;
    return this;
  }

  /** How long a deleted pod stays terminating; applies to stops that begin after the call. */
  public OkgSimulator setPodTerminationDelay(Duration delay) {
    this.podTerminationDelay = delay;
    return this;
  }

  /** The Advanced StatefulSet that OKG keeps for a set: its replicas and reserveOrdinals. */
  public Optional<Asts> workload(String namespace, String name) {
    return Optional.ofNullable(workloads.get(namespace + "/" + name));
  }

  /** The revisions of a set's workload: current, update, and update steps run since it changed. */
  public Optional<AstsRevisions.State> revisions(String namespace, String name) {
    return Optional.ofNullable(revisions.get(namespace + "/" + name)).map(AstsRevisions::state);
  }

  /** The revision of a pod template, as the workload names it in a pod's controller-revision-hash label. */
  public static String revisionLabel(String setName, GameServerTemplate template) {
    return setName + "-" + AstsRevisions.revisionOf(template);
  }

  private void schedule(String key) {
    if (key == null || !pending.add(key)) return;
    workerFor(key).submit(() -> {
      pending.remove(key);
      try {
        reconcile(key);
      } catch (KubernetesClientException e) {
        // a conflict with another writer, or a transient failure: try again, as a requeue would
        if (e.getCode() != 409) log.warn("OKG simulator: reconciling {} failed: {}", key, e.getMessage());
        later(key);
      } catch (RuntimeException e) {
        log.warn("OKG simulator: reconciling {} failed", key, e);
        later(key);
      }
    });
  }

  private void later(String key) {
    if (!timers.isShutdown()) timers.schedule(() -> schedule(key), RETRY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The GameServerSet controller's Reconcile, from the workload onwards (OKG has no PodProbeMarker here). */
  private void reconcile(String key) {
    GameServerSet gss = informer.getStore().getByKey(key);
    if (gss == null || gss.getSpec() == null) return;
    Asts asts = workloads.get(key);
    if (asts == null) {
      // initAsts: replicas and the reserve list copied as they are, then the workload's own event
      workloads.put(key, new Asts(replicas(gss), copy(gss.getSpec().getReserveGameServerIds())));
      syncWorkload(key);
      schedule(key);
      return;
    }
    Gss view = view(gss);
    List<PodView> podList = podsOf(key).stream()
        .map(p -> PodView.of(p.getMetadata().getName(), p.getMetadata().getLabels(), p.getMetadata().getDeletionTimestamp() != null))
        .toList();

    int newReplicas = OkgScaling.getReplicasAfterKilling(view, asts, podList);
    if (newReplicas != view.replicas()) {
      // OKG's r.Update(gss): a write guarded by the resourceVersion it read
      patchGss(gss, List.of(
          op("replace", "/metadata/resourceVersion", gss.getMetadata().getResourceVersion()),
          op("replace", "/spec/replicas", newReplicas)));
      log.info("OKG simulator: {} kills GameServers, replicas {} -> {}", key, view.replicas(), newReplicas);
      return;
    }

    if (OkgScaling.isNeedToScale(view, asts)) {
      OkgScaling.Scale scale = OkgScaling.gameServerScale(view, asts, podList);
      workloads.put(key, scale.asts());
      writeBack(gss, scale);
      syncWorkload(key);
      return;
    }
    syncWorkload(key);
  }

  /**
   * OKG merge-patches the annotation and, with ReserveIds, the reserve list. We send the same change
   * as a JSON Patch, which has the same effect (written when the mock server still appended to arrays
   * in merge patches; it applies them as RFC 7386 says now).
   */
  private void writeBack(GameServerSet gss, OkgScaling.Scale scale) {
    List<Map<String, Object>> ops = new ArrayList<>();
    if (scale.annotationPatch() != null) {
      ops.add(op("add", "/metadata/annotations/" + GameServerSet.RESERVE_IDS_ANNOTATION.replace("/", "~1"), scale.annotationPatch()));
    }
    if (scale.patchSpecReserve()) {
      // OKG marshals an empty set as null, which a merge patch turns into "remove the field"
      ops.add(scale.specReservePatch() == null
          ? Map.of("op", "remove", "path", "/spec/reserveGameServerIds")
          : op("add", "/spec/reserveGameServerIds", json(scale.specReservePatch())));
    }
    if (!ops.isEmpty()) patchGss(gss, ops);
  }

  private void patchGss(GameServerSet gss, List<Map<String, Object>> ops) {
    client.resources(GameServerSet.class).inNamespace(gss.getMetadata().getNamespace()).withName(gss.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
  }

  // ---- the Advanced StatefulSet ----

  /**
   * Pods at the lowest {@code replicas} unreserved ordinals; others are deleted. A missing pod is
   * created after the creation delay; a terminating one is waited for.
   */
  private void syncWorkload(String key) {
    GameServerSet gss = informer.getStore().getByKey(key);
    Asts asts = workloads.get(key);
    if (gss == null || asts == null) return;
    Set<Integer> wanted = OkgScaling.workloadOrdinals(asts);
    AstsRevisions revs = revisionsOf(key, gss);
    Map<Integer, Pod> existing = new HashMap<>();
    for (Pod pod : podsOf(key)) {
      int ordinal = OkgScaling.getIndexFromGsName(pod.getMetadata().getName());
      existing.put(ordinal, pod);
      if (!wanted.contains(ordinal) && pod.getMetadata().getDeletionTimestamp() == null) deletePod(pod);
    }
    rollOut(key, gss, revs, existing, wanted.size());
    String namespace = gss.getMetadata().getNamespace();
    for (int ordinal : wanted) {
      if (existing.containsKey(ordinal)) continue;
      String podKey = namespace + "/" + GameServerSet.podName(gss.getMetadata().getName(), ordinal);
      if (creating.add(podKey)) {
        timers.schedule(() -> workerFor(key).submit(() -> guarded(podKey, () -> createPod(key, ordinal, podKey))),
            podCreationDelay.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void createPod(String key, int ordinal, String podKey) {
    creating.remove(podKey);
    GameServerSet gss = informer.getStore().getByKey(key);
    Asts asts = workloads.get(key);
    if (gss == null || asts == null || !OkgScaling.workloadOrdinals(asts).contains(ordinal)) return;
    String namespace = gss.getMetadata().getNamespace();
    String gssName = gss.getMetadata().getName();
    String name = GameServerSet.podName(gssName, ordinal);
    // the old pod is still terminating: its removal brings us back
    if (client.pods().inNamespace(namespace).withName(name).get() != null) return;
    var template = gss.getSpec().getGameServerTemplate();
    List<PersistentVolumeClaim> claimTemplates = template.getVolumeClaimTemplates() == null ? List.of() : template.getVolumeClaimTemplates();
    for (PersistentVolumeClaim claimTemplate : claimTemplates) {
      if (!ensureClaim(gss, claimTemplate, ordinal)) {
        later(key);
        return;
      }
    }

    AstsRevisions revs = revisionsOf(key, gss);
    String revision = revs.forNewPod(ordinal, podRevisions(key, revs), AstsRevisions.Strategy.of(gss.getSpec().getUpdateStrategy()));
    Pod pod = newPod(gss, ordinal, claimTemplates, revs.template(revision));
    pod.getMetadata().getLabels().put(AstsRevisions.REVISION_LABEL, revs.label(revision));
    Pod created;
    try {
      created = client.pods().inNamespace(namespace).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) return;
      throw e;
    }
    pods.incrementAndGet();
    createGameServer(gss, created);
  }

  /**
   * The workload's createPersistentVolumeClaims: an existing claim is used as it is; a missing one is
   * created from the template; one being deleted blocks the pod (false: retry later).
   */
  private boolean ensureClaim(GameServerSet gss, PersistentVolumeClaim claimTemplate, int ordinal) {
    String namespace = gss.getMetadata().getNamespace();
    String claimName = claimTemplate.getMetadata().getName() + "-" + gss.getMetadata().getName() + "-" + ordinal;
    PersistentVolumeClaim existing = client.persistentVolumeClaims().inNamespace(namespace).withName(claimName).get();
    if (existing != null) return existing.getMetadata().getDeletionTimestamp() == null;
    PersistentVolumeClaim claim = Serialization.clone(claimTemplate);
    ObjectMeta meta = claim.getMetadata();
    meta.setName(claimName);
    meta.setNamespace(namespace);
    // the template's labels plus the workload's selector
    Map<String, String> labels = new LinkedHashMap<>();
    if (meta.getLabels() != null) labels.putAll(meta.getLabels());
    labels.put(GameServerSet.OWNER_GSS_LABEL, gss.getMetadata().getName());
    meta.setLabels(labels);
    try {
      client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
    }
    return true;
  }

  /** The pod OKG's workload makes for an ordinal from a revision's pod template (the convergence bench's seed makes the same). */
  public static Pod newPod(GameServerSet gss, int ordinal, List<PersistentVolumeClaim> claimTemplates, GameServerTemplate template) {
    String gssName = gss.getMetadata().getName();
    String name = GameServerSet.podName(gssName, ordinal);
    ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>();
    if (templateMeta.getLabels() != null) labels.putAll(templateMeta.getLabels());
    labels.put(GameServerSet.OWNER_GSS_LABEL, gssName);
    labels.put(POD_NAME_LABEL, name);
    labels.put(OkgScaling.LIFECYCLE_STATE_LABEL, "Normal");
    Map<String, String> annotations = new LinkedHashMap<>();
    if (templateMeta.getAnnotations() != null) annotations.putAll(templateMeta.getAnnotations());
    Network network = gss.getSpec().getNetwork();
    if (network != null) {
      annotations.put(NETWORK_CONF_ANNOTATION, Serialization.asJson(network.getNetworkConf()));
      annotations.put(NETWORK_TYPE_ANNOTATION, network.getNetworkType());
    }

    PodSpec spec = template.getSpec() == null ? new PodSpec() : Serialization.clone(template.getSpec());
    spec.setHostname(name);
    spec.setSubdomain(gssName);
    List<PodReadinessGate> gates = new ArrayList<>(spec.getReadinessGates() == null ? List.of() : spec.getReadinessGates());
    gates.add(new PodReadinessGate("InPlaceUpdateReady"));
    spec.setReadinessGates(gates);
    // updateStorage: one volume per claim template, ahead of the template's own volumes
    List<Volume> volumes = new ArrayList<>();
    for (PersistentVolumeClaim claim : claimTemplates) {
      String claimName = claim.getMetadata().getName();
      volumes.add(new VolumeBuilder().withName(claimName).withNewPersistentVolumeClaim(claimName + "-" + gssName + "-" + ordinal, false).build());
    }
    if (spec.getVolumes() != null) {
      for (Volume v : spec.getVolumes()) if (volumes.stream().noneMatch(c -> c.getName().equals(v.getName()))) volumes.add(v);
    }
    spec.setVolumes(volumes);

    Pod pod = new Pod();
    pod.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(gss.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(annotations).withFinalizers(TERMINATION_FINALIZER).build());
    pod.setSpec(spec);
    return pod;
  }

  private void deletePod(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
  }

  // ---- revisions ----

  private AstsRevisions revisionsOf(String key, GameServerSet gss) {
    AstsRevisions revs = revisions.computeIfAbsent(key, k -> new AstsRevisions(gss.getMetadata().getName()));
    revs.observe(gss.getSpec().getGameServerTemplate());
    return revs;
  }

  private List<AstsRevisions.PodRevision> podRevisions(String key, AstsRevisions revs) {
    List<AstsRevisions.PodRevision> out = new ArrayList<>();
    for (Pod pod : podsOf(key)) {
      GameServer gs = gsInformer.getStore().getByKey(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName());
      boolean ready = gs != null && gs.getStatus() != null && GameServerStatus.READY.equals(gs.getStatus().getCurrentState());
      out.add(new AstsRevisions.PodRevision(OkgScaling.getIndexFromGsName(pod.getMetadata().getName()),
          revs.ofLabel(pod.getMetadata().getLabels().get(AstsRevisions.REVISION_LABEL)), ready,
          pod.getMetadata().getDeletionTimestamp() != null));
    }
    return out;
  }

  /** The workload's rolling update: pods on older revisions updated in place or re-created. */
  private void rollOut(String key, GameServerSet gss, AstsRevisions revs, Map<Integer, Pod> pods, int replicas) {
    List<AstsRevisions.PodRevision> seen = podRevisions(key, revs);
    for (AstsRevisions.Update update : revs.updates(seen, replicas, AstsRevisions.Strategy.of(gss.getSpec().getUpdateStrategy()))) {
      Pod pod = pods.get(update.ordinal());
      if (pod == null) continue;
      if (update.inPlace()) updateInPlace(pod, revs);
      else deletePod(pod);
    }
    revs.rolledOut(seen, replicas);
  }

  /** Kruise's in-place update: the new images, labels and annotations on the same pod. */
  private void updateInPlace(Pod pod, AstsRevisions revs) {
    GameServerTemplate template = revs.template(revs.update());
    Pod updated = Serialization.clone(pod);
    var containers = updated.getSpec().getContainers();
    for (int i = 0; i < containers.size() && i < template.getSpec().getContainers().size(); i++) {
      containers.get(i).setImage(template.getSpec().getContainers().get(i).getImage());
    }
    if (template.getMetadata() != null) {
      if (template.getMetadata().getLabels() != null) updated.getMetadata().getLabels().putAll(template.getMetadata().getLabels());
      if (template.getMetadata().getAnnotations() != null) {
        if (updated.getMetadata().getAnnotations() == null) updated.getMetadata().setAnnotations(new LinkedHashMap<>());
        updated.getMetadata().getAnnotations().putAll(template.getMetadata().getAnnotations());
      }
    }
    updated.getMetadata().getLabels().put(AstsRevisions.REVISION_LABEL, revs.label(revs.update()));
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(updated).update();
  }

  // ---- pods going away ----

  private void podUpdated(Pod pod) {
    String key = setKeyOf(pod);
    if (pod.getMetadata().getDeletionTimestamp() != null && stopping.add(pod.getMetadata().getUid())) {
      workerFor(key).submit(() -> guarded(key, () -> markDeleting(pod)));
      if (pod.getMetadata().getFinalizers().contains(TERMINATION_FINALIZER)) {
        timers.schedule(() -> workerFor(key).submit(() -> guarded(key, () -> finishTermination(pod))),
            podTerminationDelay.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    schedule(key);
  }

  /** The kubelet is done: our finalizer goes, and with it the pod. */
  private void finishTermination(Pod pod) {
    var ref = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
    Pod current = ref.get();
    if (current == null || !Objects.equals(current.getMetadata().getUid(), pod.getMetadata().getUid())) return;
    List<String> rest = new ArrayList<>(current.getMetadata().getFinalizers());
    if (!rest.remove(TERMINATION_FINALIZER)) return;
    ref.patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(op("replace", "/metadata/finalizers", rest))));
  }

  /** The garbage collector removes the GameServer that the pod owned; the workload may make a new pod. */
  private void podGone(Pod pod) {
    String key = setKeyOf(pod);
    if (key == null) return;
    stopping.remove(pod.getMetadata().getUid());
    workerFor(key).submit(() -> guarded(key, () -> {
      var ref = client.resources(GameServer.class).inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
      GameServer gs = ref.get();
      if (gs != null && ownedBy(gs, pod.getMetadata().getUid())) ref.delete();
    }));
    schedule(key);
  }

  /** A deleted GameServerSet takes its workload and so its pods with it; the claims stay. */
  private void setGone(String key) {
    workerFor(key).submit(() -> guarded(key, () -> {
      workloads.remove(key);
      revisions.remove(key);
      for (Pod pod : podsOf(key)) if (pod.getMetadata().getDeletionTimestamp() == null) deletePod(pod);
    }));
  }

  // ---- the GameServer controller ----

  /**
   * OKG's GameServer controller makes a GameServer for every pod of a set that has none, not only
   * when the pod appears: a GameServer deleted under a live pod (an old one of the same name going by
   * garbage collection) comes back, owned by the pod that is there.
   */
  private void gameServerGone(GameServer gs) {
    var labels = gs.getMetadata().getLabels();
    String set = labels == null ? null : labels.get(GameServerSet.OWNER_GSS_LABEL);
    if (set == null) return;
    String key = gs.getMetadata().getNamespace() + "/" + set;
    workerFor(key).submit(() -> {
      try {
        GameServerSet gss = informer.getStore().getByKey(key);
        Pod pod = client.pods().inNamespace(gs.getMetadata().getNamespace()).withName(gs.getMetadata().getName()).get();
        if (gss == null || pod == null || pod.getMetadata().getDeletionTimestamp() != null) return;
        if (client.resources(GameServer.class).inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get() != null) return;
        createGameServer(gss, pod);
      } catch (KubernetesClientException e) {
        log.debug("could not make the GameServer of pod {}: {}", gs.getMetadata().getName(), e.getMessage());
      }
    });
  }

  private void createGameServer(GameServerSet gss, Pod pod) {
    var template = gss.getSpec().getGameServerTemplate();
    ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>();
    if (templateMeta.getLabels() != null) labels.putAll(templateMeta.getLabels());
    labels.put(GameServerSet.OWNER_GSS_LABEL, gss.getMetadata().getName());
    // ReclaimPolicy Cascade, the default: the GameServer lives exactly as long as its pod
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
    GameServer gs = new GameServer();
    gs.setMetadata(new ObjectMetaBuilder().withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(templateMeta.getAnnotations()).withOwnerReferences(owner).build());
    GameServerSpec spec = new GameServerSpec();
    spec.setOpsState(OkgScaling.NONE);
    spec.setDeletionPriority(new IntOrString(0));
    spec.setUnmodelled("updatePriority", 0);
    spec.setUnmodelled("networkDisabled", false);
    gs.setSpec(spec);
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState(CREATING);
    gs.setStatus(status);
    var ref = client.resources(GameServer.class).inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
    try {
      client.resource(gs).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) throw e;
      // a GameServer of an earlier pod that the garbage collector has not removed yet
      GameServer stale = ref.get();
      if (stale != null && ownedBy(stale, pod.getMetadata().getUid())) return;
      ref.delete();
      client.resource(gs).create();
    }
    if (!holdReadiness) markReady(gss, pod.getMetadata().getName());
  }

  private void syncGsToPodLater(GameServer gs) {
    String gssName = gs.getMetadata().getLabels() == null ? null : gs.getMetadata().getLabels().get(GameServerSet.OWNER_GSS_LABEL);
    if (gssName == null) return;
    String key = gs.getMetadata().getNamespace() + "/" + gssName;
    workerFor(key).submit(() -> guarded(key, () -> syncGsToPod(gs)));
  }

  /** SyncGsToPod: the pod carries the GameServer's opsState and deletionPriority as labels, which scaling reads. */
  private void syncGsToPod(GameServer gs) {
    Pod pod = podInformer.getStore().getByKey(gs.getMetadata().getNamespace() + "/" + gs.getMetadata().getName());
    if (pod == null || !ownedBy(gs, pod.getMetadata().getUid())) return;
    GameServerSpec spec = gs.getSpec() == null ? new GameServerSpec() : gs.getSpec();
    Map<String, String> want = new LinkedHashMap<>();
    want.put(OkgScaling.OPS_STATE_LABEL, spec.getOpsState() == null ? "" : spec.getOpsState());
    IntOrString priority = spec.getDeletionPriority();
    want.put(OkgScaling.DELETE_PRIORITY_LABEL, priority == null ? "" : priority.getIntVal() != null ? priority.getIntVal().toString() : priority.getStrVal());
    Map<String, String> have = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    Map<String, String> changed = new LinkedHashMap<>();
    want.forEach((k, v) -> { if (!v.equals(have.get(k))) changed.put(k, v); });
    if (changed.isEmpty()) return;
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("metadata", Map.of("labels", changed))));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  /** A terminating pod's GameServer reports Deleting until the garbage collector removes it. */
  private void markDeleting(Pod pod) {
    var ref = client.resources(GameServer.class).inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName());
    GameServer gs = ref.get();
    if (gs == null || !ownedBy(gs, pod.getMetadata().getUid())) return;
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState(DELETING);
    patchStatus(gs, status);
  }

  /** What OKG reports for a started pod of {@code gss} at {@code id}: Ready, at its ingress host. */
  public static GameServerStatus readyStatus(GameServerSet gss, int id) {
    var address = new GameServerStatus.Address();
    address.setIp("192.0.2.10");
    address.setEndPoint(hostOf(gss).replace("<id>", Integer.toString(id)));
    var network = new GameServerStatus.NetworkStatus();
    network.setCurrentNetworkState(GameServerStatus.READY);
    network.setExternalAddresses(List.of(address));
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState(GameServerStatus.READY);
    status.setNetworkStatus(network);
    return status;
  }

  private void markReady(GameServerSet gss, String name) {
    GameServerStatus status = readyStatus(gss, OkgScaling.getIndexFromGsName(name));
    GameServer ready = new GameServer();
    ready.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(gss.getMetadata().getNamespace()).build());
    patchStatus(ready, status);
  }

  private void patchStatus(GameServer gs, GameServerStatus status) {
    GameServer patch = new GameServer();
    patch.setMetadata(new ObjectMetaBuilder().withName(gs.getMetadata().getName()).withNamespace(gs.getMetadata().getNamespace()).build());
    patch.setStatus(status);
    try {
      client.resource(patch).patchStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) throw e;
    }
  }

  private void readyAll() {
    for (GameServer gs : gsInformer.getStore().list()) {
      String state = gs.getStatus() == null ? null : gs.getStatus().getCurrentState();
      if (GameServerStatus.READY.equals(state) || DELETING.equals(state)) continue;
      Pod pod = podInformer.getStore().getByKey(gs.getMetadata().getNamespace() + "/" + gs.getMetadata().getName());
      if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) continue;
      GameServerSet gss = informer.getStore().getByKey(setKeyOf(pod));
      if (gss != null) markReady(gss, gs.getMetadata().getName());
    }
  }

  // ---- helpers ----

  /** Runs a side task; failures are logged, as a controller's would be. */
  private void guarded(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.warn("OKG simulator: {} failed: {}", what, e.getMessage());
    }
  }

  /** The pods of a set, from the informer cache, as OKG lists them. */
  private List<Pod> podsOf(String key) {
    List<Pod> result = new ArrayList<>();
    for (Pod pod : podInformer.getStore().list()) if (key.equals(setKeyOf(pod))) result.add(pod);
    return result;
  }

  private static boolean ownedBy(GameServer gs, String uid) {
    return gs.getMetadata().getOwnerReferences().stream().anyMatch(o -> Objects.equals(o.getUid(), uid));
  }

  private static String keyOf(GameServerSet gss) {
    return gss.getMetadata().getNamespace() + "/" + gss.getMetadata().getName();
  }

  private static String setKeyOf(Pod pod) {
    String gss = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(GameServerSet.OWNER_GSS_LABEL);
    return gss == null ? null : pod.getMetadata().getNamespace() + "/" + gss;
  }

  private static Gss view(GameServerSet gss) {
    String strategy = gss.getSpec().getScaleStrategy() == null ? null : gss.getSpec().getScaleStrategy().getScaleDownStrategyType();
    // the API server drops empty maps, so Go sees no annotations as a nil map
    Map<String, String> annotations = gss.getMetadata().getAnnotations();
    return new Gss(replicas(gss), gss.getSpec().getReserveGameServerIds(),
        annotations == null || annotations.isEmpty() ? null : annotations, strategy);
  }

  private static int replicas(GameServerSet gss) {
    return gss.getSpec().getReplicas() == null ? 0 : gss.getSpec().getReplicas();
  }

  private static List<IntOrString> copy(List<IntOrString> ids) {
    return ids == null ? null : List.copyOf(ids);
  }

  /** Ints as numbers, ranges as strings, as OKG marshals []intstr.IntOrString. */
  private static List<Object> json(List<IntOrString> ids) {
    return ids.stream().<Object>map(v -> v.getIntVal() != null ? v.getIntVal() : v.getStrVal()).toList();
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("op", op);
    result.put("path", path);
    result.put("value", value);
    return result;
  }

  private static String hostOf(GameServerSet gss) {
    Network network = gss.getSpec().getNetwork();
    if (network == null || network.getNetworkConf() == null) return "";
    return network.getNetworkConf().stream().filter(p -> "Host".equals(p.name())).map(Network.NetworkConfParam::value)
        .findFirst().orElse("");
  }

  @Override
  public void close() throws InterruptedException {
    if (informer != null) informer.close();
    if (podInformer != null) podInformer.close();
    if (gsInformer != null) gsInformer.close();
    timers.shutdownNow();
    for (ExecutorService worker : workers) worker.shutdownNow();
    for (ExecutorService worker : workers) worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
