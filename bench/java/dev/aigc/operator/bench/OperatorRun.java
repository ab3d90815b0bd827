package dev.aigc.operator.bench;

import static dev.aigc.operator.bench.ConvergenceBench.CLIENT_THREADS;
import static dev.aigc.operator.bench.ConvergenceBench.NS;
import static dev.aigc.operator.bench.ConvergenceBench.log;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.bench.ConvergenceBench.Config;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.locks.LockSupport;

/** One run of the operator with the simulator on the mock API server; the figures are its fields. */
final class OperatorRun {
  /** Phase A: N instances created at once (or, seeded, the operator's start over N stored ones). */
  double createSeconds;
  double convergeSeconds;
  Map<String, long[]> cpuA;
  Map<String, Long> writesA;
  /** The operator's reads (GETs that are not watches) in phase A and in the burst, by kind. */
  Map<String, Long> readsA;
  Map<String, Long> readsB;
  Phase latA;
  /** From convergence until the operator's queue stays empty (trailing writes), then the idle window. */
  Map<String, Long> writesSettle;
  Map<String, Long> writesIdle;
  Map<String, long[]> cpuIdle;
  double idleSeconds;
  /** Phase B: the burst. */
  double burstRate;
  double burstSeconds;
  Map<String, long[]> cpuB;
  Map<String, Long> writesB;
  Phase latB;
  /** Phase C: the burst's instances stopped, then started again (BENCH_RESTARTS=0 skips it). */
  RestartPhase restarts;
  /** Round trips of the operator's writes during the burst, by kind, in ms. */
  Map<String, List<Double>> roundTripsB;
  /** JOSDK's metrics per phase: count and total ms. */
  Map<String, double[]> reconcilesA;
  Map<String, double[]> reconcilesB;
  /** Heap, in bytes. */
  long heapWith;
  long heapWithout;
  long heapMinimal;
  Map<String, Long> liveWith;
  Map<String, Long> liveWithout;
  Map<String, Long> liveMinimal;
  /** Classes the operator retains most of: the class histogram with it minus after its close. */
  String retainedClasses;
  /** Heap of one plain informer per kind: bytes and objects cached. */
  Map<String, long[]> heapPerKind = new java.util.LinkedHashMap<>();
  Map<String, Long> conflicts;
  Map<String, List<String>> samples;
  String topOperatorThreads;
  int pods;
  int warnings;
  Snapshot snapshot;

  /** Start latencies of one phase, in milliseconds, sorted. */
  record Phase(List<Double> createdToId, List<Double> readyToRunning, List<Double> createdToRunning,
      List<Double> createdToDisk, List<Double> diskToId) {
    static Phase of(StartWatch watch, String prefix) {
      return new Phase(watch.createdToId(n -> n.startsWith(prefix)), watch.readyToRunning(n -> n.startsWith(prefix)),
          watch.createdToRunning(n -> n.startsWith(prefix)), watch.createdToDisk(n -> n.startsWith(prefix)),
          watch.diskToId(n -> n.startsWith(prefix)));
    }
  }

  static OperatorRun run(Config c, AigcTemplate example, long deadline) throws Exception {
    OperatorRun r = new OperatorRun();
    int warningsBefore = LogCounter.warnings();
    BenchCluster cluster = new BenchCluster();
    Seed seed = c.seed() ? Seed.converged(example, c.instances(), c.templates()) : null;
    if (seed != null) {
      long t = System.nanoTime();
      seed.store(cluster);
      log("  stored %d objects directly in the mock server in %.1f s", seed.objectCount(), (System.nanoTime() - t) / 1e9);
    }
    // the simulator learns the seeded pods from its pod informer and each set's workload from the set
    cluster.startSimulator(okg -> { });
    WriteCounter writes = new WriteCounter(Integer.parseInt(ConvergenceBench.env("BENCH_SAMPLES", "0")));
    BenchCluster.Client operatorClient = cluster.newClient(Threads.OPERATOR, "operator",
        b -> {
          b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("bench-writes", writes));
          // BENCH_OPERATOR_TIMEOUT: on a loaded machine the mock server's first lists of 200,000
          // objects can take longer than fabric8's default 10 s, which fails the operator's start
          String timeout = ConvergenceBench.env("BENCH_OPERATOR_TIMEOUT", "");
          if (!timeout.isEmpty()) b.editOrNewConfig().withRequestTimeout(Integer.parseInt(timeout) * 1000).endConfig();
        });
    KubernetesClient kubectl = cluster.newClient(Threads.BENCH, "kubectl", b -> { }).client();
    StartWatch watch = new StartWatch(cluster.newClient(Threads.BENCH, "watch", b -> { }).client(), NS);
    ExecutorService pool = Threads.pool(Threads.BENCH, "creator", CLIENT_THREADS);

    var telemetry = dev.aigc.operator.observe.Telemetry.inMemory();
    AigcOperator operator = new AigcOperator(operatorClient.client(), ConvergenceBench.SETTINGS, telemetry);
    Threads.Sample a0 = Threads.Sample.take();
    long t0 = System.nanoTime();
    operator.start();
    ConvergenceBench.nameReconcilerThreads(operator);
    ThreadPoolExecutor reconcilers = ConvergenceBench.reconcilerPool(operator);
    Map<String, double[]> r0 = Map.of();
    if (seed == null) {
      for (int t = 0; t < c.templates(); t++) kubectl.resource(ConvergenceBench.template(example, t)).create();
      ConvergenceBench.await("template statuses", deadline, () -> kubectl.resources(AigcTemplate.class).inNamespace(NS).list()
          .getItems().stream().filter(t -> t.getStatus() != null && t.getStatus().getGameServerSet() != null).count() == c.templates(),
          () -> "");
      settle(reconcilers, deadline);
      // phase A: N instances at once
      Map<String, Long> w0 = writes.byKind();
      Map<String, Long> reads0 = writes.readsByKind();
      r0 = Reconciles.sample(telemetry.registry());
      a0 = Threads.Sample.take();
      t0 = System.nanoTime();
      ConvergenceBench.atOnce(pool, c.instances(),
          i -> kubectl.resource(ConvergenceBench.instance(ConvergenceBench.instanceName(false, i), i, c.templates())).create());
      r.createSeconds = (System.nanoTime() - t0) / 1e9;
      ConvergenceBench.await("all Running", deadline, () -> watch.running() >= c.instances(),
          () -> watch.running() + " running, " + cluster.okg().podsCreated() + " pods");
      r.convergeSeconds = (System.nanoTime() - t0) / 1e9;
      r.writesA = WriteCounter.minus(writes.byKind(), w0);
      r.readsA = WriteCounter.minus(writes.readsByKind(), reads0);
    } else {
      // seeded: the operator's start over N converged instances, until its queue is empty
      ConvergenceBench.await("the operator's first reconcile of every instance", deadline,
          () -> reconcilers != null && reconcilers.getCompletedTaskCount() >= c.instances() && idle(reconcilers),
          () -> (reconcilers == null ? "?" : reconcilers.getCompletedTaskCount()) + " reconciles done");
      r.convergeSeconds = (System.nanoTime() - t0) / 1e9;
      r.writesA = writes.byKind();
      r.readsA = writes.readsByKind();
    }
    Threads.Sample a1 = Threads.Sample.take();
    r.cpuA = a1.since(a0);
    r.reconcilesA = Reconciles.minus(Reconciles.sample(telemetry.registry()), r0);
    r.latA = OperatorRun.Phase.of(watch, "user-");
    log("  phase A: %.2f s, operator CPU %.0f ms", r.convergeSeconds, r.cpuA.getOrDefault(Threads.OPERATOR, new long[2])[0] / 1e6);

    // trailing writes until the operator's queue is empty, then an idle window
    Map<String, Long> s0 = writes.byKind();
    settle(reconcilers, deadline);
    Map<String, Long> i0 = writes.byKind();
    r.writesSettle = WriteCounter.minus(i0, s0);
    Threads.Sample idle0 = Threads.Sample.take();
    LockSupport.parkNanos(c.idleSeconds() * 1_000_000_000L);
    Threads.Sample idle1 = Threads.Sample.take();
    r.idleSeconds = (idle1.nanoTime() - idle0.nanoTime()) / 1e9;
    r.writesIdle = WriteCounter.minus(writes.byKind(), i0);
    r.cpuIdle = idle1.since(idle0);

    // phase B: a burst of installs at a fixed rate
    if (c.burst() > 0) {
      Map<String, Long> b0 = writes.byKind();
      Map<String, Long> readsB0 = writes.readsByKind();
      Map<String, Integer> mark = writes.roundTripMark();
      Map<String, double[]> rb0 = Reconciles.sample(telemetry.registry());
      Threads.Sample bs0 = Threads.Sample.take();
      long tb = System.nanoTime();
      r.burstRate = ConvergenceBench.atRate(pool, c.burst(), c.rate(),
          i -> kubectl.resource(ConvergenceBench.instance(ConvergenceBench.instanceName(true, i), i, c.templates())).create());
      try {
        ConvergenceBench.await("the burst Running", deadline, () -> watch.running() >= c.total(),
            () -> watch.running() + " running");
      } catch (IllegalStateException stuck) {
        diagnose(kubectl, watch, c);
        throw stuck;
      }
      r.burstSeconds = (System.nanoTime() - tb) / 1e9;
      Threads.Sample bs1 = Threads.Sample.take();
      r.cpuB = bs1.since(bs0);
      r.topOperatorThreads = bs1.top(bs0, Threads.OPERATOR, 6);
      r.writesB = WriteCounter.minus(writes.byKind(), b0);
      r.readsB = WriteCounter.minus(writes.readsByKind(), readsB0);
      r.latB = OperatorRun.Phase.of(watch, "burst-");
      r.roundTripsB = writes.roundTripsMillis(mark);
      r.reconcilesB = Reconciles.minus(Reconciles.sample(telemetry.registry()), rb0);
      settle(reconcilers, deadline);
      if (!"0".equals(ConvergenceBench.env("BENCH_RESTARTS", "1"))) {
        r.restarts = RestartPhase.run(c, kubectl, watch, writes, reconcilers, pool, deadline);
      }
    } else {
      r.topOperatorThreads = a1.top(a0, Threads.OPERATOR, 6);
    }
    r.conflicts = writes.conflictsByKind();
    r.samples = writes.samples();
    r.pods = cluster.okg().podsCreated();

    // the heap the operator retains: with it, then after it is closed (its caches released)
    r.liveWith = ConvergenceBench.liveObjects();
    var histogramWith = ConvergenceBench.classHistogram();
    r.heapWith = ConvergenceBench.usedHeapAfterGc();
    operator.close();
    operatorClient.close();
    operator = null;
    r.liveWithout = ConvergenceBench.liveObjects();
    r.retainedClasses = ConvergenceBench.histogramGrowth(histogramWith, ConvergenceBench.classHistogram(), 15, c.total());
    r.heapWithout = ConvergenceBench.settledHeapAfterGc();
    BenchCluster.Client minimal = cluster.newClient(Threads.BENCH, "minimal", b -> { });
    List<SharedIndexInformer<?>> informers = new java.util.ArrayList<>();
    long before = r.heapWithout;
    for (var kind : ConvergenceBench.minimalInformers(minimal.client()).entrySet()) {
      SharedIndexInformer<?> informer = kind.getValue().get();
      informers.add(informer);
      ConvergenceBench.await("a plain informer synced", deadline, informer::hasSynced, () -> kind.getKey());
      // the mock server replays every object as ADDED on a new watch, after the list: let that pass too
      java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
      informer.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<Object>() {
        @Override public void onAdd(Object o) { last.set(System.nanoTime()); }
        @Override public void onUpdate(Object a, Object b) { last.set(System.nanoTime()); }
        @Override public void onDelete(Object o, boolean unknown) { last.set(System.nanoTime()); }
      });
      ConvergenceBench.await("a plain informer quiet", deadline, () -> System.nanoTime() - last.get() > 2_000_000_000L, () -> kind.getKey());
      long now = ConvergenceBench.usedHeapAfterGc();
      r.heapPerKind.put(kind.getKey(), new long[] {now - before, informer.getStore().list().size()});
      before = now;
    }
    r.liveMinimal = ConvergenceBench.liveObjects();
    r.heapMinimal = before;
    informers.forEach(SharedIndexInformer::close);
    minimal.close();

    if (seed == null) {
      r.snapshot = Snapshot.take(cluster.admin(), NS);
    } else {
      List<String> burst = java.util.stream.IntStream.range(0, c.burst()).mapToObj(i -> ConvergenceBench.instanceName(true, i)).toList();
      Map<String, Long> counts = new java.util.TreeMap<>(seed.counts());
      for (String kind : List.of("aigcinstances", "persistentvolumeclaims", "pods", "gameservers", "events")) counts.merge(kind, (long) c.burst(), Long::sum);
      r.snapshot = Snapshot.take(cluster.admin(), NS, burst, counts);
    }
    watch.close();
    pool.shutdownNow();
    cluster.close();
    r.warnings = LogCounter.warnings() - warningsBefore;
    return r;
  }

  /** What the burst's instances that never ran show: their status, GameServer and pod. */
  private static void diagnose(KubernetesClient kubectl, StartWatch watch, Config c) {
    int shown = 0;
    for (int i = 0; i < c.burst() && shown < 10; i++) {
      String name = ConvergenceBench.instanceName(true, i);
      if (watch.isRunning(name)) continue;
      shown++;
      var instance = kubectl.resources(dev.aigc.operator.api.AigcInstance.class).inNamespace(NS).withName(name).get();
      var status = instance == null ? null : instance.getStatus();
      String gsName = status == null ? null : status.getGameServer();
      var gs = gsName == null ? null : kubectl.resources(dev.aigc.operator.okg.GameServer.class).inNamespace(NS).withName(gsName).get();
      var pod = gsName == null ? null : kubectl.pods().inNamespace(NS).withName(gsName).get();
      log("  not Running: %s phase=%s id=%s finalizers=%s; GameServer %s: %s; pod %s", name,
          status == null ? null : status.getPhase(), status == null ? null : status.getInstanceId(),
          instance == null ? null : instance.getMetadata().getFinalizers(), gsName,
          gs == null ? "absent" : gs.getStatus() == null ? "no status" : gs.getStatus().getCurrentState(), pod == null ? "absent" : "exists");
    }
  }

  /** Whether the reconciler pool has nothing queued or running. */
  private static boolean idle(ThreadPoolExecutor pool) {
    return pool.getQueue().isEmpty() && pool.getActiveCount() == 0;
  }

  /**
   * Waits until the operator's reconciler pool has been idle for 1.5 s: longer than the pace of its
   * deferred writes (a template's counts and added IDs, at most one a second), so that the last of
   * those is a trailing write of the convergence, not a write while idle.
   */
  static void settle(ThreadPoolExecutor pool, long deadline) {
    if (pool == null) {
      LockSupport.parkNanos(2_000_000_000L);
      return;
    }
    long idleSince = -1;
    while (System.nanoTime() < deadline) {
      if (idle(pool)) {
        if (idleSince < 0) idleSince = System.nanoTime();
        else if (System.nanoTime() - idleSince > 1_500_000_000L) return;
      } else {
        idleSince = -1;
      }
      LockSupport.parkNanos(10_000_000L);
    }
  }
}
