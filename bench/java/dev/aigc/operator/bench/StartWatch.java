package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.render.Labels;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Start latencies as a user's watch sees them, from a client of its own: when each new instance
 * appears, when its status first carries an ID, when it is first Running; and when each GameServer
 * is first Ready. Plain watches (no informer cache), so that the bench holds no copy of the objects.
 */
final class StartWatch implements AutoCloseable {
  private final Map<String, Long> created = new ConcurrentHashMap<>();
  private final Map<String, Long> idWritten = new ConcurrentHashMap<>();
  private final Map<String, Long> running = new ConcurrentHashMap<>();
  /** The GameServer each instance reported (status.gameServer). */
  private final Map<String, String> gameServerOf = new ConcurrentHashMap<>();
  private final Map<String, Long> gameServerReady = new ConcurrentHashMap<>();
  /** When the disk recording each instance (its annotation) first appeared. */
  private final Map<String, Long> diskCreated = new ConcurrentHashMap<>();
  private final AtomicInteger runningCount = new AtomicInteger();
  /** For restarts: each instance's phase now, and when it last entered Starting and Running. */
  private final Map<String, InstancePhase> phase = new ConcurrentHashMap<>();
  private final Map<String, Long> enteredStarting = new ConcurrentHashMap<>();
  private final Map<String, Long> enteredRunning = new ConcurrentHashMap<>();
  /** For restarts: each GameServer's state now (absent once deleted), and when it last became Ready. */
  private final Map<String, String> gameServerState = new ConcurrentHashMap<>();
  private final Map<String, Long> enteredReady = new ConcurrentHashMap<>();
  private final Watch instances;
  private final Watch gameServers;
  private final Watch disks;

  StartWatch(KubernetesClient client, String namespace) {
    instances = client.resources(AigcInstance.class).inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, AigcInstance i) {
        long now = System.nanoTime();
        String name = i.getMetadata().getName();
        var status = i.getStatus();
        if (action == Action.ADDED && status == null) created.putIfAbsent(name, now);
        if (status == null) return;
        if (status.getInstanceId() != null) idWritten.putIfAbsent(name, now);
        if (status.getGameServer() != null) gameServerOf.putIfAbsent(name, status.getGameServer());
        if (status.getPhase() == InstancePhase.Running && running.putIfAbsent(name, now) == null) runningCount.incrementAndGet();
        InstancePhase before = status.getPhase() == null ? null : phase.put(name, status.getPhase());
        if (status.getPhase() != before && status.getPhase() == InstancePhase.Starting) enteredStarting.put(name, now);
        if (status.getPhase() != before && status.getPhase() == InstancePhase.Running) enteredRunning.put(name, now);
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) System.err.println("instance watch closed: " + cause);
      }
    });
    gameServers = client.resources(GameServer.class).inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, GameServer gs) {
        long now = System.nanoTime();
        String name = gs.getMetadata().getName();
        String state = gs.getStatus() == null ? null : gs.getStatus().getCurrentState();
        if (GameServerStatus.READY.equals(state)) gameServerReady.putIfAbsent(name, now);
        if (action == Action.DELETED) {
          gameServerState.remove(name);
        } else if (state != null && !state.equals(gameServerState.put(name, state)) && GameServerStatus.READY.equals(state)) {
          enteredReady.put(name, now);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) System.err.println("GameServer watch closed: " + cause);
      }
    });
    disks = client.persistentVolumeClaims().inNamespace(namespace).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, PersistentVolumeClaim pvc) {
        long now = System.nanoTime();
        var annotations = pvc.getMetadata().getAnnotations();
        String instance = annotations == null ? null : annotations.get(Labels.DISK_INSTANCE);
        if (action == Action.ADDED && instance != null) diskCreated.putIfAbsent(instance, now);
      }

      @Override
      public void onClose(WatcherException cause) {
        if (cause != null) System.err.println("disk watch closed: " + cause);
      }
    });
  }

  /** Milliseconds from each new instance appearing to its disk appearing (the template reconciler's part). */
  List<Double> createdToDisk(Predicate<String> names) {
    return between(created, diskCreated, names);
  }

  /** Milliseconds from each new instance's disk appearing to its status carrying the ID (the instance reconciler's part). */
  List<Double> diskToId(Predicate<String> names) {
    return between(diskCreated, idWritten, names);
  }

  private List<Double> between(Map<String, Long> from, Map<String, Long> to, Predicate<String> names) {
    List<Double> result = new ArrayList<>();
    created.forEach((name, ignored) -> {
      Long a = from.get(name);
      Long b = to.get(name);
      if (names.test(name) && a != null && b != null) result.add((b - a) / 1e6);
    });
    Collections.sort(result);
    return result;
  }

  /** Instances seen Running (each counted once). */
  int running() {
    return runningCount.get();
  }

  /** Instances that were seen appearing without a status (new ones). */
  int created() {
    return created.size();
  }

  boolean isRunning(String name) {
    return running.containsKey(name);
  }

  /** Milliseconds from each new instance appearing to its status carrying an ID. */
  List<Double> createdToId(Predicate<String> names) {
    List<Double> result = new ArrayList<>();
    created.forEach((name, t) -> {
      Long id = idWritten.get(name);
      if (names.test(name) && id != null) result.add((id - t) / 1e6);
    });
    Collections.sort(result);
    return result;
  }

  /** Milliseconds from each instance's GameServer first Ready to the instance first Running. */
  List<Double> readyToRunning(Predicate<String> names) {
    List<Double> result = new ArrayList<>();
    created.forEach((name, t) -> {
      Long run = running.get(name);
      String gs = gameServerOf.get(name);
      Long ready = gs == null ? null : gameServerReady.get(gs);
      if (names.test(name) && run != null && ready != null) result.add((run - ready) / 1e6);
    });
    Collections.sort(result);
    return result;
  }

  /** Milliseconds from each new instance appearing to it Running. */
  List<Double> createdToRunning(Predicate<String> names) {
    List<Double> result = new ArrayList<>();
    created.forEach((name, t) -> {
      Long run = running.get(name);
      if (names.test(name) && run != null) result.add((run - t) / 1e6);
    });
    Collections.sort(result);
    return result;
  }

  /** How many of the named instances show {@code p} now. */
  long inPhase(java.util.Collection<String> names, InstancePhase p) {
    return names.stream().filter(n -> phase.get(n) == p).count();
  }

  /** Whether the instance entered Running after {@code since} (nanoTime). */
  boolean runningSince(String name, long since) {
    Long t = enteredRunning.get(name);
    return t != null && t > since && phase.get(name) == InstancePhase.Running;
  }

  /** Milliseconds from each start asked (nanoTime by name) to the instance's status last entering Starting. */
  List<Double> askedToStarting(Map<String, Long> asked) {
    return after(asked, enteredStarting);
  }

  /** Milliseconds from each start asked to the instance last entering Running. */
  List<Double> askedToRunning(Map<String, Long> asked) {
    return after(asked, enteredRunning);
  }

  /** Milliseconds from each restarted instance's GameServer last becoming Ready to the instance last entering Running. */
  List<Double> lastReadyToRunning(java.util.Collection<String> names) {
    List<Double> result = new ArrayList<>();
    for (String name : names) {
      String gs = gameServerOf.get(name);
      Long ready = gs == null ? null : enteredReady.get(gs);
      Long run = enteredRunning.get(name);
      if (ready != null && run != null) result.add((run - ready) / 1e6);
    }
    Collections.sort(result);
    return result;
  }

  private static List<Double> after(Map<String, Long> from, Map<String, Long> to) {
    List<Double> result = new ArrayList<>();
    from.forEach((name, t) -> {
      Long b = to.get(name);
      if (b != null && b > t) result.add((b - t) / 1e6);
    });
    Collections.sort(result);
    return result;
  }

  static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) return Double.NaN;
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  @Override
  public void close() {
    instances.close();
    gameServers.close();
    disks.close();
  }
}
