package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects a run ends with, per template and per instance, as a client would create them
 * (without the fields the API server sets): what the baseline stores.
 */
record Snapshot(List<AigcTemplate> templates, List<GameServerSet> sets, Map<String, Instance> instances, Map<String, Long> counts) {

  /** One instance and what exists for it. */
  record Instance(AigcInstance instance, PersistentVolumeClaim disk, Pod pod, GameServer gameServer, List<Event> events) {}

  static Snapshot take(KubernetesClient client, String namespace) {
    List<AigcTemplate> templates = stripped(client.resources(AigcTemplate.class).inNamespace(namespace).list().getItems());
    List<GameServerSet> sets = stripped(client.resources(GameServerSet.class).inNamespace(namespace).list().getItems());
    Map<String, PersistentVolumeClaim> disks = byName(stripped(client.persistentVolumeClaims().inNamespace(namespace).list().getItems()));
    Map<String, Pod> pods = byName(stripped(client.pods().inNamespace(namespace).list().getItems()));
    Map<String, GameServer> gameServers = byName(stripped(client.resources(GameServer.class).inNamespace(namespace).list().getItems()));
    Map<String, List<Event>> events = new HashMap<>();
    List<Event> allEvents = stripped(client.v1().events().inNamespace(namespace).list().getItems());
    for (Event e : allEvents) {
      if ("AigcInstance".equals(e.getInvolvedObject().getKind())) {
        events.computeIfAbsent(e.getInvolvedObject().getName(), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, Instance> instances = new TreeMap<>();
    for (AigcInstance i : stripped(client.resources(AigcInstance.class).inNamespace(namespace).list().getItems())) {
      var status = i.getStatus();
      String gs = status == null ? null : status.getGameServer();
      String claim = status == null ? null : status.getVolumeClaim();
      instances.put(i.getMetadata().getName(), new Instance(i, claim == null ? null : disks.get(claim),
          gs == null ? null : pods.get(gs), gs == null ? null : gameServers.get(gs),
          events.getOrDefault(i.getMetadata().getName(), List.of())));
    }
    Map<String, Long> counts = new TreeMap<>();
    counts.put("aigctemplates", (long) templates.size());
    counts.put("gameserversets", (long) sets.size());
    counts.put("aigcinstances", (long) instances.size());
    counts.put("persistentvolumeclaims", (long) disks.size());
    counts.put("pods", (long) pods.size());
    counts.put("gameservers", (long) gameServers.size());
    counts.put("events", (long) allEvents.size());
    return new Snapshot(templates, sets, instances, counts);
  }

  /**
   * Only the named instances and their objects (read one by one), with the templates and sets: for
   * a seeded run, whose other objects the baseline seeds itself. {@code counts} are of the whole store.
   */
  static Snapshot take(KubernetesClient client, String namespace, List<String> names, Map<String, Long> counts) {
    List<AigcTemplate> templates = stripped(client.resources(AigcTemplate.class).inNamespace(namespace).list().getItems());
    List<GameServerSet> sets = stripped(client.resources(GameServerSet.class).inNamespace(namespace).list().getItems());
    Map<String, List<Event>> events = new HashMap<>();
    for (Event e : stripped(client.v1().events().inNamespace(namespace).list().getItems())) {
      if ("AigcInstance".equals(e.getInvolvedObject().getKind())) {
        events.computeIfAbsent(e.getInvolvedObject().getName(), k -> new ArrayList<>()).add(e);
      }
    }
    Map<String, Instance> instances = new TreeMap<>();
    for (String name : names) {
      AigcInstance i = client.resources(AigcInstance.class).inNamespace(namespace).withName(name).get();
      if (i == null) continue;
      stripped(List.of(i));
      var status = i.getStatus();
      String gs = status == null ? null : status.getGameServer();
      String claim = status == null ? null : status.getVolumeClaim();
      PersistentVolumeClaim disk = claim == null ? null : client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
      Pod pod = gs == null ? null : client.pods().inNamespace(namespace).withName(gs).get();
      GameServer server = gs == null ? null : client.resources(GameServer.class).inNamespace(namespace).withName(gs).get();
      for (HasMetadata o : new HasMetadata[] {disk, pod, server}) if (o != null) stripped(List.of(o));
      instances.put(name, new Instance(i, disk, pod, server, events.getOrDefault(name, List.of())));
    }
    return new Snapshot(templates, sets, instances, counts);
  }

  private static <T extends HasMetadata> List<T> stripped(List<T> items) {
    for (T item : items) {
      var m = item.getMetadata();
      m.setResourceVersion(null);
      m.setUid(null);
      m.setCreationTimestamp(null);
      m.setGeneration(null);
      m.setManagedFields(null);
    }
    return items;
  }

  private static <T extends HasMetadata> Map<String, T> byName(List<T> items) {
    Map<String, T> result = new HashMap<>();
    for (T item : items) result.put(item.getMetadata().getName(), item);
    return result;
  }
}
