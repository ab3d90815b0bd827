package dev.aigc.operator.bench;

import dev.aigc.operator.bench.ConvergenceBench.Config;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints a run's figures, each with its baseline and their ratio, and the targets. */
final class Report {
  private static final double MIB = 1024.0 * 1024.0;

  private Report() {}

  static void print(Config c, OperatorRun op, BaselineRun base) {
    p("");
    p("== convergence bench: N=%d M=%d, %s; burst %d at %.0f/s; %d cores (shared), load average now %s ==", c.instances(),
        c.templates(), c.seed() ? "seeded (stored converged before the operator starts)" : "created at once by 8 threads",
        c.burst(), c.rate(), Runtime.getRuntime().availableProcessors(), ConvergenceBench.loadAverage());
    p("objects at the end: %s", op.snapshot.counts());

    p("");
    if (!c.seed()) {
      p("-- phase A: %d instances created at once (in %.2f s) --", c.instances(), op.createSeconds);
      p("converge_seconds=%.2f baseline_store_seconds=%.2f ratio=%.2f", op.convergeSeconds, base.storeSeconds,
          op.convergeSeconds / base.storeSeconds);
      cpu("phase A", op.cpuA, c.instances(), base.cpuA, c.instances());
      writes("phase A", op.writesA, c.instances());
      p("phase A: the operator's reads (gets and lists, not watches) %s", op.readsA);
      reconciles("phase A", op.reconcilesA, c.instances());
      latency("phase A (at once: queueing, not a target)", op.latA, base.latA);
    } else {
      p("-- phase A: operator start over %d converged instances (stored directly) --", c.instances());
      p("start_seconds=%.2f (start, informers' lists, first reconcile of every instance)", op.convergeSeconds);
      cpu("start", op.cpuA, c.instances(), null, 0);
      reconciles("start", op.reconcilesA, c.instances());
      double startCpu = op.cpuA.getOrDefault(Threads.OPERATOR, new long[2])[0] / 1e6;
      p("periodic reconcile of every instance (maxReconciliationInterval 3 min), estimated from the start: <= %.0f ms CPU per second"
          + " at %d instances (upper bound: the start also lists and caches everything)", startCpu / 180, c.instances());
      writes(String.format(Locale.ROOT, "start (expect only the %d templates' statuses, which the seed leaves empty)", c.templates()),
          op.writesA, c.instances(), c.templates());
      p("start: the operator's reads (gets and lists, not watches) %s", op.readsA);
    }
    p("trailing writes after convergence, until the operator's queue stayed empty: %s", op.writesSettle);
    long idle = WriteCounter.total(op.writesIdle, "events");
    p("idle_writes=%d in %.1f s (target 0) %s; operator CPU while idle %.1f ms/s", idle + op.writesIdle.getOrDefault("POST events", 0L),
        op.idleSeconds, op.writesIdle, op.cpuIdle.getOrDefault(Threads.OPERATOR, new long[2])[0] / 1e6 / op.idleSeconds);

    if (c.burst() > 0) {
      p("");
      p("-- phase B: burst of %d installs at %.0f/s (achieved %.1f/s; baseline %.1f/s), on top of the %d --", c.burst(), c.rate(),
          op.burstRate, base.burstRate, c.instances());
      p("burst_seconds=%.2f (first install to last Running) baseline=%.2f ratio=%.2f", op.burstSeconds, base.burstSeconds,
          op.burstSeconds / base.burstSeconds);
      latency("burst", op.latB, base.latB);
      double p99 = StartWatch.percentile(op.latB.createdToId(), 99);
      double p99r = StartWatch.percentile(op.latB.readyToRunning(), 99);
      p("target p99 < 250 ms during the burst: created->ID %s, Ready->Running %s", met(p99 < 250), met(p99r < 250));
      p("round trips of writes during the burst (the mock server's latency under each run's load), ms:");
      op.roundTripsB.forEach((k, v) -> p("  operator %-36s n=%5d p50=%6.1f p99=%6.1f", k, v.size(), StartWatch.percentile(v, 50), StartWatch.percentile(v, 99)));
      base.roundTripsB.forEach((k, v) -> p("  baseline %-36s n=%5d p50=%6.1f p99=%6.1f", k, v.size(), StartWatch.percentile(v, 50), StartWatch.percentile(v, 99)));
      cpu("burst", op.cpuB, c.burst(), base.cpuB, c.burst());
      writes("burst", op.writesB, c.burst());
      p("burst: the operator's reads (gets and lists, not watches) %s", op.readsB);
      reconciles("burst", op.reconcilesB, c.burst());
    }
    if (op.restarts != null) restarts(c, op.restarts);
    p("busiest operator threads (last phase):");
    System.out.print(op.topOperatorThreads);

    p("");
    p("-- heap (used after full GC; the JVM also holds the mock server, the simulator and the bench) --");
    long retained = op.heapWith - op.heapWithout;
    long minimal = op.heapMinimal - op.heapWithout;
    p("operator_retained_heap_mib=%.1f (with the operator %.1f, after operator.close() %.1f) at %d instances (%.1f KiB/instance)",
        retained / MIB, op.heapWith / MIB, op.heapWithout / MIB, c.total(), retained / 1024.0 / c.total());
    p("baseline: plain informers, one per kind the operator watches: %.1f MiB; ratio=%.2f", minimal / MIB, (double) retained / minimal);
    StringBuilder perKind = new StringBuilder();
    op.heapPerKind.forEach((k, v) -> perKind.append(v[1] < 1000 ? String.format(Locale.ROOT, " %s=%.1f MiB in all", k, v[0] / MIB)
        : String.format(Locale.ROOT, " %s=%.2f KiB x %d", k, v[0] / 1024.0 / v[1], v[1])));
    p("  plain informers, heap by kind (the first also holds the client):%s", perKind);
    double at50k = retained / (double) c.total() * 50_000 / MIB;
    p("target <= 256 MiB at 50,000 instances: %s (%s%.0f MiB at 50,000)", met(at50k <= 256),
        c.total() >= 50_000 ? "" : "linear extrapolation: ", at50k);
    p("live objects with the operator %s; after close %s; plain informers %s", op.liveWith, op.liveWithout, op.liveMinimal);
    p("classes the operator retains most of (class histogram with it minus after its close):");
    System.out.print(op.retainedClasses);

    p("");
    p("409 conflicts by kind (operator's client; included in the writes): %s", op.conflicts);
    p("warnings and errors logged in the JVM during the operator run (target/bench.log): %d; all runs by logger: %s", op.warnings,
        LogCounter.byLogger());
    p("pods created by the simulator: %d", op.pods);
    p("");
    p("-- targets --");
    Map<String, Long> startWrites = c.seed() ? op.writesB : op.writesA;
    int starts = c.seed() ? c.burst() : c.instances();
    if (startWrites != null && starts > 0) {
      double perInstall = WriteCounter.total(startWrites, "events") / (double) starts;
      p("writes per install (a new instance's first start: its disk, the ID record, too) <= 3: %s (%.2f, events apart)",
          met(perInstall <= 3), perInstall);
    }
    if (op.restarts != null) {
      double perStart = WriteCounter.total(op.restarts.writesStart, "events") / (double) op.restarts.count;
      p("writes per start of an existing instance (Stopped -> Running, as a user's start or a wake) <= 3: %s (%.2f, events apart)",
          met(perStart <= 3), perStart);
    }
    p("writes while idle == 0: %s (%d in %.0f s)", met(idle == 0 && op.writesIdle.getOrDefault("POST events", 0L) == 0),
        idle, op.idleSeconds);
    if (c.burst() > 0) {
      p("start latency p99 < 250 ms in a burst of %.0f installs/s: created->ID %s (%.0f ms), Ready->Running %s (%.0f ms);"
          + " the burst reached %.1f/s (baseline %.1f/s)", c.rate(), met(StartWatch.percentile(op.latB.createdToId(), 99) < 250),
          StartWatch.percentile(op.latB.createdToId(), 99), met(StartWatch.percentile(op.latB.readyToRunning(), 99) < 250),
          StartWatch.percentile(op.latB.readyToRunning(), 99), op.burstRate, base.burstRate);
    }
    p("retained heap <= 256 MiB at 50,000 instances: %s (%.0f MiB %s)", met(at50k <= 256), at50k,
        c.total() >= 50_000 ? "measured" : "extrapolated linearly from " + c.total());
    if (!op.samples.isEmpty()) {
      p("first request bodies by kind (BENCH_SAMPLES):");
      op.samples.forEach((k, v) -> v.forEach(b -> p("  %s: %s", k, b.length() > 600 ? b.substring(0, 600) + "..." : b)));
    }
  }

  private static void restarts(Config c, RestartPhase r) {
    p("");
    p("-- phase C: the burst's %d instances stopped at once (%.2f s), then started again at %.0f/s (achieved %.1f/s; all Running in %.2f s) --",
        r.count, r.stopSeconds, c.rate(), r.startRate, r.startSeconds);
    writes("stop (no target)", r.writesStop, r.count, 0);
    writes("start", r.writesStart, r.count);
    row("start asked->Starting", r.askedToStarting, null);
    row("start GameServer Ready->Running", r.readyToRunning, null);
    row("start asked->Running (the simulator's pod start included)", r.askedToRunning, null);
  }

  private static void cpu(String phase, Map<String, long[]> cpu, int instances, Map<String, long[]> baseline, int baseInstances) {
    long[] operator = cpu.getOrDefault(Threads.OPERATOR, new long[2]);
    double perInstance = operator[0] / 1e6 / instances;
    StringBuilder others = new StringBuilder();
    cpu.forEach((owner, v) -> {
      if (!owner.equals(Threads.OPERATOR)) others.append(String.format(Locale.ROOT, " %s=%.2f", owner, v[0] / 1e6 / instances));
    });
    p("%s: operator_cpu_ms_per_instance=%.2f operator_alloc_kib_per_instance=%.0f (others, ms/instance:%s)", phase, perInstance,
        operator[1] / 1024.0 / instances, others);
    if (baseline != null) {
      double client = baseline.getOrDefault(Threads.BENCH, new long[2])[0] / 1e6 / baseInstances;
      double server = baseline.getOrDefault(Threads.API_SERVER, new long[2])[0] / 1e6 / baseInstances;
      double opServer = cpu.getOrDefault(Threads.API_SERVER, new long[2])[0] / 1e6 / instances;
      p("  baseline client storing the same objects: %.2f ms/instance; ratio operator/baseline-client=%.2f;"
          + " mock server %.2f vs %.2f ms/instance (ratio %.2f)", client, perInstance / client, opServer, server, opServer / server);
    }
  }

  private static void writes(String phase, Map<String, Long> writes, int instances) {
    writes(phase, writes, instances, -1);
  }

  private static void writes(String phase, Map<String, Long> writes, int instances, int expected) {
    long total = WriteCounter.total(writes, "events");
    long events = writes.getOrDefault("POST events", 0L);
    p("%s: api_writes_per_instance=%.2f (target <= 3; events apart: %.2f/instance)%s", phase, total / (double) instances,
        events / (double) instances, expected < 0 ? " " + met(total / (double) instances <= 3.0) : " total " + total);
    writes.forEach((k, v) -> p("  %-36s %7d  %.3f/instance", k, v, v / (double) instances));
  }

  private static void reconciles(String phase, Map<String, double[]> metrics, int instances) {
    if (metrics == null || metrics.isEmpty()) return;
    p("%s: JOSDK metrics (count, per instance, mean ms):", phase);
    metrics.forEach((k, v) -> p("  %-56s %7.0f  %.2f/instance%s", k, v[0], v[0] / instances,
        Double.isNaN(v[1]) ? "" : String.format(Locale.ROOT, "  mean %.1f ms", v[1] / v[0])));
  }

  private static void latency(String phase, OperatorRun.Phase op, OperatorRun.Phase base) {
    row(phase + " created->ID", op.createdToId(), base == null ? null : base.createdToId());
    row(phase + " GameServer Ready->Running", op.readyToRunning(), base == null ? null : base.readyToRunning());
    row(phase + " created->Running", op.createdToRunning(), base == null ? null : base.createdToRunning());
    row(phase + "   of which created->disk", op.createdToDisk(), base == null ? null : base.createdToDisk());
    row(phase + "   of which disk->ID", op.diskToId(), base == null ? null : base.diskToId());
  }

  private static void row(String what, List<Double> op, List<Double> base) {
    double p50 = StartWatch.percentile(op, 50);
    double p99 = StartWatch.percentile(op, 99);
    if (base == null || base.isEmpty()) {
      p("%s: p50=%.1f ms p99=%.1f ms (n=%d)", what, p50, p99, op.size());
      return;
    }
    double b50 = StartWatch.percentile(base, 50);
    double b99 = StartWatch.percentile(base, 99);
    p("%s: p50=%.1f ms p99=%.1f ms (n=%d); baseline p50=%.1f p99=%.1f; ratio p50=%.1f p99=%.1f", what, p50, p99, op.size(),
        b50, b99, p50 / b50, p99 / b99);
  }

  private static String met(boolean ok) {
    return ok ? "MET" : "MISSED";
  }

  private static void p(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
