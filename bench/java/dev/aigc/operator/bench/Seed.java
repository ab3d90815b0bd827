package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSpec;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.DiskRecord;
import dev.aigc.operator.render.DiskRenderer;
import dev.aigc.operator.render.GameServerSetRenderer;
import dev.aigc.operator.render.IdAllocator;
import dev.aigc.operator.render.InstanceClaim;
import dev.aigc.operator.render.InstanceStatusRenderer;
import dev.aigc.operator.render.PodTemplateVersion;
import dev.aigc.operator.render.UpgradeStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A converged cluster made without the API: for each template its GameServerSet, for each instance
 * its disk, pod, GameServer (Ready) and status, rendered by the operator's own renderers
 * ({@code IdAllocator}, {@code DiskRenderer}, {@code GameServerSetRenderer},
 * {@code InstanceStatusRenderer}) and by the simulator's rules for what OKG makes, and put straight
 * into the mock server's store (one map insertion each, where a POST costs a scan of the whole
 * store). An operator that starts on it should find nothing to write but the templates' statuses,
 * which the seed leaves empty.
 */
final class Seed {
  private final List<HasMetadata> objects = new ArrayList<>();
  private Map<String, Long> counts;
  private int stored;

  static Seed converged(AigcTemplate example, int instances, int templates) {
    Seed seed = new Seed();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    for (int t = 0; t < templates; t++) {
      AigcTemplate template = ConvergenceBench.template(example, t);
      stamp(template, now);
      seed.objects.add(template);
      String name = template.getMetadata().getName();
      List<AigcInstance> mine = new ArrayList<>();
      for (int i = t; i < instances; i += templates) {
        AigcInstance instance = ConvergenceBench.instance(ConvergenceBench.instanceName(false, i), i, templates);
        stamp(instance, now);
        mine.add(instance);
      }
      List<InstanceClaim> claims = mine.stream().map(InstanceClaim::of).toList();
      List<DiskRecord> records = new ArrayList<>();
      Map<String, Integer> idOf = new LinkedHashMap<>();
      for (Allocation.Assignment a : IdAllocator.allocate(claims, List.of(), true).toCreate()) {
        PersistentVolumeClaim disk = DiskRenderer.render(template, a.id(), a.instance());
        stamp(disk, now);
        seed.objects.add(disk);
        records.add(DiskRecord.of(name, disk));
        idOf.put(a.instance().uid(), a.id());
      }
      GameServerSet gss = GameServerSetRenderer.render(template, IdAllocator.allocate(claims, records, true), ConvergenceBench.SETTINGS);
      // what the simulator writes back after its first scaling step (OKG's reserve-ids annotation)
      gss.getMetadata().getAnnotations().put(GameServerSet.RESERVE_IDS_ANNOTATION, "");
      stamp(gss, now);
      seed.objects.add(gss);
      // the version the operator recorded when it wrote the set: without it every instance would
      // learn its version at the start, one status write each (the rest of the status stays empty)
      AigcTemplateStatus versions = new AigcTemplateStatus();
      versions.setDedicatedGeneration(PodTemplateVersion.generationOf(gss));
      versions.setDedicatedParts(PodTemplateVersion.partsOf(gss));
      template.setStatus(versions);
      for (AigcInstance instance : mine) {
        int id = idOf.get(instance.getMetadata().getUid());
        Pod pod = pod(gss, id);
        stamp(pod, now);
        GameServer gs = readyGameServer(gss, id);
        stamp(gs, now);
        AigcInstanceStatus status = InstanceStatusRenderer.render(instance, template, id, gs, null, now);
        UpgradeStatus.Result version = UpgradeStatus.of(status.getConditions(), template, pod.getMetadata().getAnnotations(),
            instance.getMetadata().getGeneration(), now);
        status.setTemplateGeneration(version.generation());
        status.setConditions(version.conditions());
        instance.setStatus(status);
        seed.objects.add(pod);
        seed.objects.add(gs);
        seed.objects.add(instance);
      }
    }
    return seed;
  }

  int objectCount() {
    return stored;
  }

  /** Objects stored, by resource (plural), as Snapshot counts them. */
  Map<String, Long> counts() {
    return counts;
  }

  /**
   * Puts every object into the mock server's store, as its POST handler would after its scan, and
   * then forgets them (so that they do not weigh on the heap measured later).
   */
  void store(BenchCluster cluster) throws ReflectiveOperationException {
    KubernetesCrudDispatcher store = crudDispatcher(cluster);
    counts = new java.util.TreeMap<>();
    for (HasMetadata o : objects) {
      o.getMetadata().setResourceVersion(Long.toString(store.requestResourceVersion()));
      String path = path(o);
      store.processEvent(path, store.getKey(path), null, null, Serialization.asJson(o));
      counts.merge(HasMetadata.getPlural(o.getClass()), 1L, Long::sum);
    }
    stored = objects.size();
    objects.clear();
  }

  private static KubernetesCrudDispatcher crudDispatcher(BenchCluster cluster) throws ReflectiveOperationException {
    Object mixed = null;
    for (Class<?> c = cluster.server().getClass(); c != null && mixed == null; c = c.getSuperclass()) {
      for (var f : c.getDeclaredFields()) {
        if (io.fabric8.mockwebserver.http.Dispatcher.class.isAssignableFrom(f.getType())) {
          f.setAccessible(true);
          mixed = f.get(cluster.server());
          if (mixed != null) break;
        }
      }
    }
    if (mixed == null) throw new IllegalStateException("no dispatcher in the mock server");
    if (mixed instanceof KubernetesCrudDispatcher crud) return crud;
    for (var f : mixed.getClass().getDeclaredFields()) {
      if (KubernetesCrudDispatcher.class.isAssignableFrom(f.getType())) {
        f.setAccessible(true);
        return (KubernetesCrudDispatcher) f.get(mixed);
      }
    }
    throw new IllegalStateException("no CRUD dispatcher in " + mixed.getClass());
  }

  private static String path(HasMetadata o) {
    String apiVersion = o.getApiVersion();
    String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    return prefix + "/namespaces/" + o.getMetadata().getNamespace() + "/" + HasMetadata.getPlural(o.getClass())
        + "/" + o.getMetadata().getName();
  }

  private static void stamp(HasMetadata o, String now) {
    if (o.getApiVersion() == null) o.setApiVersion(HasMetadata.getApiVersion(o.getClass()));
    var m = o.getMetadata();
    m.setNamespace(ConvergenceBench.NS);
    m.setUid(UUID.randomUUID().toString());
    m.setCreationTimestamp(now);
    if (o instanceof AigcInstance || o instanceof AigcTemplate || o instanceof GameServerSet || o instanceof GameServer) m.setGeneration(1L);
  }

  /** The simulator's pod for an ID, from the set's pod template. */
  private static Pod pod(GameServerSet gss, int id) {
    var template = gss.getSpec().getGameServerTemplate();
    return dev.aigc.operator.sandbox.OkgSimulator.newPod(gss, id,
        template.getVolumeClaimTemplates() == null ? List.of() : template.getVolumeClaimTemplates(), template);
  }

  /** The simulator's GameServer for an ID, marked Ready (OkgSimulator.createPod and markReady). */
  private static GameServer readyGameServer(GameServerSet gss, int id) {
    String gssName = gss.getMetadata().getName();
    GameServer gs = new GameServer();
    gs.setMetadata(new ObjectMetaBuilder().withName(GameServerSet.podName(gssName, id)).withNamespace(ConvergenceBench.NS)
        .withLabels(Map.of(GameServerSet.OWNER_GSS_LABEL, gssName)).build());
    GameServerSpec spec = new GameServerSpec();
    spec.setOpsState("None");
    gs.setSpec(spec);
    GameServerStatus status = dev.aigc.operator.sandbox.OkgSimulator.readyStatus(gss, id);
    gs.setStatus(status);
    return gs;
  }
}
