package dev.aigc.operator.bench;

import dev.aigc.operator.sim.ShiftedClock;
import static dev.aigc.operator.bench.ConvergenceBench.NS;
import static dev.aigc.operator.bench.ConvergenceBench.await;
import static dev.aigc.operator.bench.ConvergenceBench.log;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.reconcile.AigcOperator;
import dev.aigc.operator.render.GameServerSetUpdate;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Wake latency (issue 12): N instances of a template with an idle limit run, are suspended (the
 * operator's clock is moved past the limit), then woken one by one at random moments by writing
 * status.lastActivity as the gateway's wake does. Each is timed from that write (the request seen)
 * to the moment a watch on the GameServerSet sees its ID no longer reserved. The baseline, in the
 * same process and interleaved at random with the wakes: N instances of a template without an idle
 * limit, stopped, started one by one by writing spec.state Running, timed the same way.
 *
 * <p>Arguments: N (50), mean gap between two requests in ms (100), random seed (1).
 */
public final class WakeBench {
  private static final String IDLE_TEMPLATE = "stable-diffusion-idle-demo";
  private static final String PLAIN_TEMPLATE = "stable-diffusion-cpu";

  private WakeBench() {}

  private record Request(String instance, String template, boolean wake) {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 && !args[0].equals("-") ? Integer.parseInt(args[0]) : 50;
    int meanGapMillis = args.length > 1 && !args[1].equals("-") ? Integer.parseInt(args[1]) : 100;
    long seed = args.length > 2 && !args[2].equals("-") ? Long.parseLong(args[2]) : 1;
    long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(ConvergenceBench.env("BENCH_TIMEOUT", "300"))).toNanos();
    log("wake bench: %d instances woken, %d started (baseline), mean gap %d ms, seed %d; load average %s", n, n, meanGapMillis, seed,
        Files.readString(Path.of("/proc/loadavg")).trim());
    ShiftedClock clock = new ShiftedClock();
    try (BenchCluster cluster = new BenchCluster()) {
      cluster.startSimulator(okg -> { });
      KubernetesClient kubectl = cluster.newClient(Threads.BENCH, "kubectl", b -> { }).client();
      AigcOperator operator = new AigcOperator(cluster.newClient(Threads.OPERATOR, "operator", b -> { }).client(),
          ConvergenceBench.SETTINGS, Telemetry.inMemory(), clock).start();
      try {
        kubectl.resource(template("examples/idle-demo.yaml")).create();
        kubectl.resource(template("examples/stable-diffusion-cpu.yaml")).create();
        for (int i = 0; i < n; i++) {
          kubectl.resource(instance("wake-" + i, IDLE_TEMPLATE)).create();
          kubectl.resource(instance("start-" + i, PLAIN_TEMPLATE)).create();
        }
        await("all Running", deadline, () -> count(kubectl, null, InstancePhase.Running) == 2 * n,
            () -> count(kubectl, null, InstancePhase.Running) + " running");

        for (int i = 0; i < n; i++) {
          kubectl.resources(AigcInstance.class).inNamespace(NS).withName("start-" + i)
              .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"state\":\"Stopped\"}}");
        }
        // past every idle limit; the operator reschedules in real time, so each instance is poked
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < n; i++) {
          kubectl.resources(AigcInstance.class).inNamespace(NS).withName("wake-" + i)
              .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"bench.aigc.dev/poke\":\"1\"}}}");
        }
        await("all suspended or stopped", deadline,
            () -> count(kubectl, IDLE_TEMPLATE, InstancePhase.Suspended) == n && count(kubectl, PLAIN_TEMPLATE, InstancePhase.Stopped) == n,
            () -> count(kubectl, IDLE_TEMPLATE, InstancePhase.Suspended) + " suspended, "
                + count(kubectl, PLAIN_TEMPLATE, InstancePhase.Stopped) + " stopped");

        Map<String, Integer> ids = new ConcurrentHashMap<>();
        for (AigcInstance i : kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems()) {
          ids.put(i.getMetadata().getName(), i.getStatus().getInstanceId());
        }
        // key "<set>/<id>" to the nanoTime of its request; the watch turns each into a latency
        Map<String, Long> pending = new ConcurrentHashMap<>();
        Map<String, Double> wakeMillis = new ConcurrentHashMap<>();
        Map<String, Double> startMillis = new ConcurrentHashMap<>();
        Map<String, Boolean> kindOf = new ConcurrentHashMap<>();
        KubernetesClient watcher = cluster.newClient(Threads.BENCH, "watch", b -> { }).client();
        SharedIndexInformer<GameServerSet> sets = watcher.resources(GameServerSet.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(GameServerSet set) {
            seen(set);
          }

          @Override
          public void onUpdate(GameServerSet old, GameServerSet set) {
            seen(set);
          }

          @Override
          public void onDelete(GameServerSet set, boolean unknown) { }

          private void seen(GameServerSet set) {
            long now = System.nanoTime();
            var reserved = GameServerSetUpdate.reservedIds(set);
            String prefix = set.getMetadata().getName() + "/";
            for (var e : pending.entrySet()) {
              if (!e.getKey().startsWith(prefix) || reserved.contains(Integer.parseInt(e.getKey().substring(prefix.length())))) continue;
              if (pending.remove(e.getKey(), e.getValue())) {
                (kindOf.get(e.getKey()) ? wakeMillis : startMillis).put(e.getKey(), (now - e.getValue()) / 1e6);
              }
            }
          }
        });
        // the first half of a wake: the instance reconciler's status write that ends the suspension
        Map<String, Long> wakeRequested = new ConcurrentHashMap<>();
        Map<String, Double> statusMillis = new ConcurrentHashMap<>();
        SharedIndexInformer<AigcInstance> instances = watcher.resources(AigcInstance.class).inNamespace(NS).inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(AigcInstance i) { }

          @Override
          public void onUpdate(AigcInstance old, AigcInstance i) {
            Long t0 = wakeRequested.get(i.getMetadata().getName());
            if (t0 != null && i.getStatus() != null && i.getStatus().getSuspendedAt() == null && wakeRequested.remove(i.getMetadata().getName(), t0)) {
              statusMillis.put(i.getMetadata().getName(), (System.nanoTime() - t0) / 1e6);
            }
          }

          @Override
          public void onDelete(AigcInstance i, boolean unknown) { }
        });
        await("every ID reserved in the watch's view", deadline, () -> sets.getStore().list().stream()
            .mapToLong(s -> GameServerSetUpdate.reservedIds(s).size()).sum() >= 2L * n && sets.getStore().list().stream()
            .allMatch(s -> Integer.valueOf(0).equals(s.getSpec().getReplicas())), () -> "");

        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          requests.add(new Request("wake-" + i, IDLE_TEMPLATE, true));
          requests.add(new Request("start-" + i, PLAIN_TEMPLATE, false));
        }
        Random random = new Random(seed);
        Collections.shuffle(requests, random);
        List<Double> writeMillis = new ArrayList<>();
        for (Request r : requests) {
          LockSupport.parkNanos((long) (random.nextDouble() * 2 * meanGapMillis * 1_000_000));
          String key = r.template() + "/" + ids.get(r.instance());
          kindOf.put(key, r.wake());
          long t0 = System.nanoTime();
          pending.put(key, t0);
          if (r.wake()) wakeRequested.put(r.instance(), t0);
          var resource = kubectl.resources(AigcInstance.class).inNamespace(NS).withName(r.instance());
          if (r.wake()) {
            // what the gateway's ActivityPublisher writes for an owner's request to a suspended instance
            resource.subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"status\":{\"lastActivity\":\"" + clock.instant() + "\"}}");
          } else {
            resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"state\":\"Running\"}}");
          }
          writeMillis.add((System.nanoTime() - t0) / 1e6);
        }
        await("every ID un-reserved", deadline, pending::isEmpty, () -> pending.size() + " still reserved: " + pending.keySet());
        sets.close();
        instances.close();

        log("");
        log("request seen (the write) -> ID no longer reserved in the GameServerSet, ms:");
        row("wake (status.lastActivity)", wakeMillis.values());
        row("  of which -> suspension ended", statusMillis.values());
        row("baseline start (spec.state)", startMillis.values());
        row("the request's own write", writeMillis);
        double p99 = StartWatch.percentile(sorted(wakeMillis.values()), 99);
        log("target: wake p99 < 500 ms: %s (%.0f ms)", p99 < 500 ? "met" : "NOT met", p99);
      } finally {
        operator.close();
      }
    }
    System.exit(0);
  }

  private static void row(String what, java.util.Collection<Double> values) {
    List<Double> s = sorted(values);
    log("  %-30s n=%3d  p50 %6.0f  p99 %6.0f  max %6.0f", what, s.size(),
        StartWatch.percentile(s, 50), StartWatch.percentile(s, 99), s.isEmpty() ? Double.NaN : s.get(s.size() - 1));
  }

  private static List<Double> sorted(java.util.Collection<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    return s;
  }

  private static long count(KubernetesClient kubectl, String template, InstancePhase phase) {
    return kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems().stream()
        .filter(i -> (template == null || template.equals(i.getSpec().getTemplate()))
            && i.getStatus() != null && i.getStatus().getPhase() == phase)
        .count();
  }

  private static AigcTemplate template(String file) throws java.io.IOException {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      AigcTemplate t = Serialization.unmarshal(in, AigcTemplate.class);
      t.getMetadata().setNamespace(NS);
      return t;
    }
  }

  private static AigcInstance instance(String name, String template) {
    AigcInstance i = new AigcInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate(template);
    spec.setOwner(name);
    i.setSpec(spec);
    return i;
  }
}
