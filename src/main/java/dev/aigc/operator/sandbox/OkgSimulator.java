package dev.aigc.operator.sandbox;

import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSpec;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.okg.Network;
import dev.aigc.operator.render.GameServerSetUpdate;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A test-scope stand-in for OpenKruiseGame's GameServerSet controller, as DESIGN section 4 describes
 * it: OKG's scaling step (explicit, previous and implicit reserve sets; lowest free IDs; deletion
 * order), pods and GameServers named {@code <gss>-<id>}, per-ID disks that outlive released IDs, and
 * the merge-patch of removed IDs back into {@code spec.reserveGameServerIds}.
 */
public class OkgSimulator implements AutoCloseable {
  private final KubernetesClient client;
  private static final int WORKERS = 4;
  private final ExecutorService[] workers = new ExecutorService[WORKERS];
  private final ExecutorService podCreators = Executors.newFixedThreadPool(8, r -> new Thread(r, "okg-simulator-pods"));
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  /** The Advanced StatefulSet's reserveOrdinals per GameServerSet: OKG's memory of implicit IDs. */
  private final Map<String, Set<Integer>> workloadReserved = new ConcurrentHashMap<>();
  private final AtomicInteger pods = new AtomicInteger();
  private final Map<String, Set<Integer>> podIds = new ConcurrentHashMap<>();
  private volatile boolean holdReadiness;
  private SharedIndexInformer<GameServerSet> informer;
  private SharedIndexInformer<Pod> podInformer;

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
      @Override public void onAdd(GameServerSet gss) { schedule(gss); }
      @Override public void onUpdate(GameServerSet old, GameServerSet gss) { schedule(gss); }
      @Override public void onDelete(GameServerSet gss, boolean unknown) { }
    });
    // a pod deleted by someone else (a restart) is recreated at the same ID, as the workload does
    podInformer = client.pods().inAnyNamespace().withLabel(GameServerSet.OWNER_GSS_LABEL).inform(new ResourceEventHandler<>() {
      @Override public void onAdd(Pod pod) { }
      @Override public void onUpdate(Pod old, Pod pod) { }
      @Override public void onDelete(Pod pod, boolean unknown) { podGone(pod); }
    });
    return this;
  }

  /** While held, new GameServers stay Creating: the app has not started yet. */
  public void holdReadiness(boolean hold) {
    this.holdReadiness = hold;
    if (!hold) workers[0].submit(this::readyAll);
  }

  /** Pods created so far, across all sets. */
  public int podsCreated() {
    return pods.get();
  }

  private void schedule(GameServerSet gss) {
    String key = gss.getMetadata().getNamespace() + "/" + gss.getMetadata().getName();
    if (pending.add(key)) {
      workerFor(key).submit(() -> {
        pending.remove(key);
        try {
          scale(gss.getMetadata().getNamespace(), gss.getMetadata().getName());
        } catch (KubernetesClientException e) {
          // a conflict with the operator's write: the next event brings the newer object
          if (e.getCode() != 409) throw e;
        }
      });
    }
  }

  /** OKG's scaling step ({@code computeToScaleGs} and {@code GameServerScale}). */
  private void scale(String namespace, String name) {
    // OKG reads from its informer cache, and so do we
    GameServerSet gss = informer.getStore().getByKey(namespace + "/" + name);
    if (gss == null || gss.getSpec() == null) return;
    String key = namespace + "/" + name;
    int replicas = gss.getSpec().getReplicas() == null ? 0 : gss.getSpec().getReplicas();
    Set<Integer> explicit = GameServerSetUpdate.reservedIds(gss);
    Set<Integer> previous = parseIds(annotations(gss).get(GameServerSet.RESERVE_IDS_ANNOTATION));
    Set<Integer> workload = workloadReserved.getOrDefault(key, Set.of());

    Set<Integer> newAddExplicit = minus(explicit, previous);
    Set<Integer> newDeleteExplicit = minus(previous, explicit);
    Set<Integer> implicit = minus(minus(workload, previous), newAddExplicit);
    implicit.addAll(newDeleteExplicit);

    Set<Integer> existing = new TreeSet<>(podsOf(key));
    Set<Integer> managed = new TreeSet<>(existing);
    managed.removeAll(explicit);
    if (managed.size() < replicas) {
      for (int id = 0; managed.size() < replicas; id++) {
        if (managed.contains(id) || explicit.contains(id)) continue;
        implicit.remove(id);
        managed.add(id);
      }
    } else if (managed.size() > replicas) {
      List<Integer> victims = managed.stream()
          .sorted(deletionOrder(namespace, name))
          .limit(managed.size() - replicas)
          .toList();
      managed.removeAll(victims);
      implicit.addAll(victims);
    }
    Set<Integer> newReserve = new TreeSet<>(implicit);
    newReserve.addAll(explicit);
    workloadReserved.put(key, newReserve);

    for (int id : existing) {
      if (!managed.contains(id)) removePod(key, namespace, name, id);
    }
    Set<Integer> present = existing;
    // the workload creates pods in parallel (OKG sets podManagementPolicy Parallel)
    List<java.util.concurrent.Future<?>> creations = new ArrayList<>();
    for (int id : managed) if (!present.contains(id)) creations.add(podCreators.submit(() -> createPod(gss, id)));
    for (var creation : creations) {
      try {
        creation.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }

    writeBack(gss, explicit, newReserve);
  }

  /**
   * OKG merge-patches the annotation and, with ReserveIds, the reserve list. We send the same change
   * as a JSON Patch: the mock server appends to arrays in merge patches instead of replacing them.
   */
  private void writeBack(GameServerSet gss, Set<Integer> explicit, Set<Integer> newReserve) {
    boolean reserveIds = gss.getSpec().getScaleStrategy() != null
        && "ReserveIds".equals(gss.getSpec().getScaleStrategy().getScaleDownStrategyType());
    Set<Integer> specIds = reserveIds ? newReserve : explicit;
    List<Map<String, Object>> ops = new ArrayList<>();
    String recorded = specIds.stream().map(String::valueOf).collect(Collectors.joining(","));
    if (!recorded.equals(annotations(gss).get(GameServerSet.RESERVE_IDS_ANNOTATION))) {
      ops.add(Map.of("op", "add", "path", "/metadata/annotations/game.kruise.io~1reserve-ids", "value", recorded));
    }
    if (reserveIds && !specIds.equals(explicit)) {
      ops.add(Map.of("op", "add", "path", "/spec/reserveGameServerIds", "value", new ArrayList<>(specIds)));
    }
    if (ops.isEmpty()) return;
    client.resources(GameServerSet.class).inNamespace(gss.getMetadata().getNamespace())
        .withName(gss.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
  }

  /** Kill > WaitToBeDeleted > None > Allocated > Maintaining, then higher deletionPriority, then higher ID. */
  private Comparator<Integer> deletionOrder(String namespace, String gss) {
    Map<Integer, GameServer> servers = new HashMap<>();
    for (GameServer gs : client.resources(GameServer.class).inNamespace(namespace)
        .withLabel(GameServerSet.OWNER_GSS_LABEL, gss).list().getItems()) {
      servers.put(idOf(gs.getMetadata().getName()), gs);
    }
    List<String> opsOrder = List.of("Kill", "WaitToBeDeleted", "None", "Allocated", "Maintaining");
    Comparator<Integer> byOps = Comparator.comparingInt(id -> {
      GameServer gs = servers.get(id);
      String ops = gs == null || gs.getSpec() == null || gs.getSpec().getOpsState() == null ? "None" : gs.getSpec().getOpsState();
      int rank = opsOrder.indexOf(ops);
      return rank < 0 ? 2 : rank;
    });
    Comparator<Integer> byPriority = Comparator.comparingInt(id -> {
      GameServer gs = servers.get(id);
      IntOrString p = gs == null || gs.getSpec() == null ? null : gs.getSpec().getDeletionPriority();
      return p == null || p.getIntVal() == null ? 0 : -p.getIntVal();
    });
    return byOps.thenComparing(byPriority).thenComparing(Comparator.reverseOrder());
  }

  private void createPod(GameServerSet gss, int id) {
    String namespace = gss.getMetadata().getNamespace();
    String gssName = gss.getMetadata().getName();
    String name = GameServerSet.podName(gssName, id);
    var template = gss.getSpec().getGameServerTemplate();
    for (PersistentVolumeClaim claim : template.getVolumeClaimTemplates()) {
      String claimName = claim.getMetadata().getName() + "-" + name;
      try {
        client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
            .withMetadata(new ObjectMetaBuilder().withName(claimName).withNamespace(namespace)
                .withLabels(claim.getMetadata().getLabels()).build())
            .withSpec(claim.getSpec())
            .build()).create();
      } catch (KubernetesClientException e) {
        // the disk of a released ID is still there: it is re-attached, not made anew
        if (e.getCode() != 409) throw e;
      }
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) labels.putAll(template.getMetadata().getLabels());
    labels.put(GameServerSet.OWNER_GSS_LABEL, gssName);
    PodSpec spec = Serialization.clone(template.getSpec());
    client.pods().inNamespace(namespace).resource(new PodBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels).build())
        .withSpec(spec)
        .build()).create();
    pods.incrementAndGet();
    podsOf(namespace + "/" + gssName).add(id);

    GameServer gs = new GameServer();
    gs.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .withLabels(Map.of(GameServerSet.OWNER_GSS_LABEL, gssName)).build());
    GameServerSpec gsSpec = new GameServerSpec();
    gsSpec.setOpsState("None");
    gs.setSpec(gsSpec);
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState("Creating");
    gs.setStatus(status);
    client.resource(gs).create();
    if (!holdReadiness) markReady(gss, id);
  }

  private void markReady(GameServerSet gss, int id) {
    String namespace = gss.getMetadata().getNamespace();
    String name = GameServerSet.podName(gss.getMetadata().getName(), id);
    var address = new GameServerStatus.Address();
    address.setIp("192.0.2.10");
    address.setEndPoint(hostOf(gss).replace("<id>", Integer.toString(id)));
    var network = new GameServerStatus.NetworkStatus();
    network.setCurrentNetworkState(GameServerStatus.READY);
    network.setExternalAddresses(List.of(address));
    GameServerStatus status = new GameServerStatus();
    status.setCurrentState(GameServerStatus.READY);
    status.setNetworkStatus(network);
    GameServer ready = new GameServer();
    ready.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ready.setStatus(status);
    client.resource(ready).patchStatus();
  }

  private void readyAll() {
    for (GameServerSet gss : client.resources(GameServerSet.class).inAnyNamespace().list().getItems()) {
      for (GameServer gs : client.resources(GameServer.class).inNamespace(gss.getMetadata().getNamespace())
          .withLabel(GameServerSet.OWNER_GSS_LABEL, gss.getMetadata().getName()).list().getItems()) {
        if (gs.getStatus() == null || !GameServerStatus.READY.equals(gs.getStatus().getCurrentState())) {
          markReady(gss, idOf(gs.getMetadata().getName()));
        }
      }
    }
  }

  private void podGone(Pod pod) {
    String gss = pod.getMetadata().getLabels().get(GameServerSet.OWNER_GSS_LABEL);
    String key = pod.getMetadata().getNamespace() + "/" + gss;
    if (!podsOf(key).remove(idOf(pod.getMetadata().getName()))) return; // we removed it ourselves
    client.resources(GameServer.class).inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    GameServerSet set = informer.getStore().getByKey(key);
    if (set != null) schedule(set);
  }

  /** The pod goes and its GameServer with it (owned by the pod); the disk stays. */
  private void removePod(String key, String namespace, String gss, int id) {
    String name = GameServerSet.podName(gss, id);
    podsOf(key).remove(id);
    client.pods().inNamespace(namespace).withName(name).delete();
    client.resources(GameServer.class).inNamespace(namespace).withName(name).delete();
  }

  /** The IDs whose pods exist, per set; OKG would read them from its pod informer. */
  private Set<Integer> podsOf(String key) {
    return podIds.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
  }

  private static String hostOf(GameServerSet gss) {
    Network network = gss.getSpec().getNetwork();
    if (network == null || network.getNetworkConf() == null) return "";
    return network.getNetworkConf().stream().filter(p -> "Host".equals(p.name())).map(Network.NetworkConfParam::value)
        .findFirst().orElse("");
  }

  private static Map<String, String> annotations(GameServerSet gss) {
    return gss.getMetadata().getAnnotations() == null ? Map.of() : gss.getMetadata().getAnnotations();
  }

  static Set<Integer> parseIds(String text) {
    Set<Integer> ids = new TreeSet<>();
    if (text == null || text.isBlank()) return ids;
    for (String part : text.split(",")) {
      String p = part.trim();
      int dash = p.indexOf('-', 1);
      if (dash < 0) ids.add(Integer.parseInt(p));
      else for (int i = Integer.parseInt(p.substring(0, dash)); i <= Integer.parseInt(p.substring(dash + 1)); i++) ids.add(i);
    }
    return ids;
  }

  private static int idOf(String podName) {
    return Integer.parseInt(podName.substring(podName.lastIndexOf('-') + 1));
  }

  private static Set<Integer> minus(Set<Integer> a, Set<Integer> b) {
    Set<Integer> result = new TreeSet<>(a);
    result.removeAll(b);
    return result;
  }

  @Override
  public void close() throws InterruptedException {
    if (informer != null) informer.close();
    if (podInformer != null) podInformer.close();
    podCreators.shutdownNow();
    for (ExecutorService worker : workers) worker.shutdownNow();
    for (ExecutorService worker : workers) worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
