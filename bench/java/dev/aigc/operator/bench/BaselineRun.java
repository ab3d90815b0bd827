package dev.aigc.operator.bench;

import static dev.aigc.operator.bench.ConvergenceBench.CLIENT_THREADS;
import static dev.aigc.operator.bench.ConvergenceBench.NS;
import static dev.aigc.operator.bench.ConvergenceBench.log;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.bench.ConvergenceBench.Config;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * The same objects the operator run ended with, stored on the same mock server setup (without the
 * simulator) by the same 8 client threads, nobody else watching but the same latency watch.
 *
 * <p>Each instance is stored in the causal order a start needs, as a plain client would: the
 * instance, its disk, its status with the ID (Starting), its pod and GameServer, the GameServer's
 * Ready status, its status Running, its events. So the latency watch measures, for the same two
 * intervals as in the operator run, what the API server alone needs: instance created → ID written
 * (two writes: the disk, the status), GameServer Ready → Running (one write).
 */
final class BaselineRun {
  double storeSeconds;
  Map<String, long[]> cpuA;
  OperatorRun.Phase latA;
  double burstRate;
  double burstSeconds;
  Map<String, long[]> cpuB;
  OperatorRun.Phase latB;
  Map<String, List<Double>> roundTripsB;

  static BaselineRun run(Config c, Snapshot snapshot, long deadline) throws Exception {
    BaselineRun r = new BaselineRun();
    BenchCluster cluster = new BenchCluster();
    Seed seed = c.seed() ? Seed.converged(ConvergenceBench.load(), c.instances(), c.templates()) : null;
    if (seed != null) seed.store(cluster);
    WriteCounter writes = new WriteCounter();
    KubernetesClient writer = cluster.newClient(Threads.BENCH, "writer",
        b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("bench-writes", writes))).client();
    StartWatch watch = new StartWatch(cluster.newClient(Threads.BENCH, "watch", b -> { }).client(), NS);
    ExecutorService pool = Threads.pool(Threads.BENCH, "writer", CLIENT_THREADS);

    if (seed == null) {
      Threads.Sample a0 = Threads.Sample.take();
      long t0 = System.nanoTime();
      ConvergenceBench.atOnce(pool, snapshot.templates().size(), t -> {
        AigcTemplate template = Serialization.clone(snapshot.templates().get(t));
        var status = template.getStatus();
        template.setStatus(null);
        writer.resource(template).create();
        template.setStatus(status);
        writer.resource(template).patchStatus();
      });
      ConvergenceBench.atOnce(pool, snapshot.sets().size(), t -> writer.resource(snapshot.sets().get(t)).create());
      ConvergenceBench.atOnce(pool, c.instances(), i -> store(writer, snapshot.instances().get(ConvergenceBench.instanceName(false, i))));
      ConvergenceBench.await("baseline: all Running", deadline, () -> watch.running() >= c.instances(), () -> watch.running() + " running");
      r.storeSeconds = (System.nanoTime() - t0) / 1e9;
      r.cpuA = Threads.Sample.take().since(a0);
      r.latA = OperatorRun.Phase.of(watch, "user-");
      log("  baseline phase A: %.2f s", r.storeSeconds);
    } else {
      ConvergenceBench.await("baseline: seeded instances seen", deadline, () -> watch.running() >= c.instances(), () -> watch.running() + " running");
    }
    if (c.burst() > 0) {
      Threads.Sample b0 = Threads.Sample.take();
      Map<String, Integer> mark = writes.roundTripMark();
      long tb = System.nanoTime();
      r.burstRate = ConvergenceBench.atRate(pool, c.burst(), c.rate(),
          i -> store(writer, snapshot.instances().get(ConvergenceBench.instanceName(true, i))));
      ConvergenceBench.await("baseline: the burst Running", deadline, () -> watch.running() >= c.total(), () -> watch.running() + " running");
      r.burstSeconds = (System.nanoTime() - tb) / 1e9;
      r.cpuB = Threads.Sample.take().since(b0);
      r.latB = OperatorRun.Phase.of(watch, "burst-");
      r.roundTripsB = writes.roundTripsMillis(mark);
    }
    watch.close();
    pool.shutdownNow();
    cluster.close();
    return r;
  }

  /** One instance's objects, in the order a start writes them. */
  private static void store(KubernetesClient client, Snapshot.Instance objects) {
    if (objects == null || objects.disk() == null || objects.pod() == null || objects.gameServer() == null) {
      throw new IllegalStateException("the operator run did not leave every object for " + objects);
    }
    AigcInstance instance = Serialization.clone(objects.instance());
    var running = instance.getStatus();
    instance.setStatus(null);
    client.resource(instance).create();
    client.resource(objects.disk()).create();
    var starting = Serialization.clone(running);
    starting.setPhase(InstancePhase.Starting);
    instance.setStatus(starting);
    client.resource(instance).patchStatus();
    client.resource(objects.pod()).create();
    GameServer gs = Serialization.clone(objects.gameServer());
    var ready = gs.getStatus();
    GameServerStatus creating = new GameServerStatus();
    creating.setCurrentState("Creating");
    gs.setStatus(creating);
    client.resource(gs).create();
    gs.setStatus(ready);
    client.resource(gs).patchStatus();
    instance.setStatus(running);
    client.resource(instance).patchStatus();
    for (Event e : objects.events()) client.resource(e).create();
  }
}
