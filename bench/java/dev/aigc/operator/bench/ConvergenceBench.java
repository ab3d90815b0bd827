package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * What the operator costs, measured apart from the mock API server and the OKG simulator that share
 * its JVM, each figure next to a baseline run in the same JVM (after a warm-up of both):
 *
 * <ul>
 *   <li>N instances over M templates created at once by 8 client threads (or, in seed mode, already
 *       stored, converged, before the operator starts): seconds until all are Running, against
 *       the seconds the same 8 threads need to store the same objects on the same mock server;
 *   <li>the operator's own CPU time and allocations per instance (its threads only: JOSDK's
 *       reconcilers and timers, its client's event loops and informer executor);
 *   <li>its API writes per instance by kind, and while idle;
 *   <li>a burst of B more installs at R per second: start latency as a watch sees it (instance
 *       created → status.instanceId written; GameServer Ready → instance Running), p50/p99,
 *       against the same causal chain of writes made by a plain client (no operator);
 *   <li>the heap the operator retains: used heap after GC with the operator, minus after it is
 *       closed; against plain fabric8 informers holding one copy of each kind it watches.
 * </ul>
 *
 * <p>Run: {@code bench/convergence.sh [N] [M] [B] [create|seed]}; see bench/README.md.
 */
public final class ConvergenceBench {
  static final int CLIENT_THREADS = 8;
  static final String NS = "bench";
  static final OperatorSettings SETTINGS =
      new OperatorSettings(Set.of(), "http://gateway.bench.svc:8080/auth", "https://aigc.example.com/sign-in");
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(Long.parseLong(env("BENCH_TIMEOUT", "540")));

  /** What to run. */
  record Config(int instances, int templates, int burst, double rate, boolean seed, int idleSeconds, boolean quiet) {
    static Config of(String[] args) {
      int n = intArg(args, 0, 2000);
      int m = intArg(args, 1, 20);
      int b = intArg(args, 2, Math.min(500, Math.max(100, n / 4)));
      boolean seed = args.length > 3 && "seed".equals(args[3]);
      double rate = Double.parseDouble(env("BENCH_RATE", "100"));
      int idle = Integer.parseInt(env("BENCH_IDLE_SECONDS", "10"));
      return new Config(n, m, b, rate, seed, idle, false);
    }

    Config warmUp() {
      int n = Integer.parseInt(env("BENCH_WARMUP", "300"));
      return new Config(n, Math.min(templates, 4), Math.min(burst, 100), rate, false, 1, true);
    }

    int total() {
      return instances + burst;
    }
  }

  private static final long START = System.nanoTime();

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void run(String[] args) throws Exception {
    Config config = Config.of(args);
    AigcTemplate example = load();
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    System.out.printf(Locale.ROOT, "convergence bench: N=%d M=%d burst=%d at %.0f/s, %s; %d cores, max heap %d MiB, load average %s%n",
        config.instances(), config.templates(), config.burst(), config.rate(), config.seed() ? "seeded" : "created at once",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, loadAverage());
    if (!env("BENCH_OPERATOR_TIMEOUT", "").isEmpty()) {
      System.out.printf("the operator's client: request timeout %s s (BENCH_OPERATOR_TIMEOUT; fabric8's default is 10 s)%n",
          env("BENCH_OPERATOR_TIMEOUT", ""));
    }
    Config warm = config.warmUp();
    if (warm.instances() > 0) {
      log("warm-up: operator and baseline with N=%d M=%d burst=%d", warm.instances(), warm.templates(), warm.burst());
      OperatorRun w = OperatorRun.run(warm, example, deadline);
      BaselineRun.run(warm, w.snapshot, deadline);
    }
    log("measured run: operator");
    OperatorRun op = OperatorRun.run(config, example, deadline);
    log("measured run: baseline");
    BaselineRun base = BaselineRun.run(config, op.snapshot, deadline);
    Report.print(config, op, base);
  }

  /** The machine's 1, 5 and 15 minute load averages (other users' work included). */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (Exception e) {
      return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[%6.1f s] " + format + "%n", prepend((System.nanoTime() - START) / 1e9, args));
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  private static int intArg(String[] args, int i, int fallback) {
    return args.length > i && !args[i].isBlank() && !"-".equals(args[i]) ? Integer.parseInt(args[i]) : fallback;
  }

  static AigcTemplate load() throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("examples/stable-diffusion-cpu.yaml"))) {
      return Serialization.unmarshal(in, AigcTemplate.class);
    }
  }

  static AigcTemplate template(AigcTemplate example, int t) {
    AigcTemplate copy = Serialization.clone(example);
    copy.setMetadata(new ObjectMetaBuilder().withName("sd-" + t).withNamespace(NS).build());
    copy.getSpec().getDedicated().getIngress().setHost("i<id>-sd-" + t + ".example.com");
    return copy;
  }

  static String instanceName(boolean burst, int i) {
    return (burst ? "burst-" : "user-") + i;
  }

  /** An install as the gateway makes it (with the instance controller's finalizer on). */
  static AigcInstance instance(String name, int i, int templates) {
    return AigcInstance.install(NS, name, "sd-" + (i % templates), name);
  }

  /** Runs {@code task(i)} for i in [0, count) on the pool, all at once; waits for all. */
  static void atOnce(ExecutorService pool, int count, IntConsumer task) throws Exception {
    List<Future<?>> futures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int n = i;
      futures.add(pool.submit(() -> task.accept(n)));
    }
    for (Future<?> f : futures) f.get();
  }

  /**
   * Starts {@code task(i)} for i in [0, count) at {@code rate} per second on the pool (so a slow
   * answer does not slow the rate down, until all 8 threads are busy); waits for all.
   *
   * @return the rate achieved, per second
   */
  static double atRate(ExecutorService pool, int count, double rate, IntConsumer task) throws Exception {
    List<Future<?>> futures = new ArrayList<>(count);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = start + (long) (i * 1e9 / rate);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) LockSupport.parkNanos(wait);
      int n = i;
      futures.add(pool.submit(() -> task.accept(n)));
    }
    for (Future<?> f : futures) f.get();
    return count / ((System.nanoTime() - start) / 1e9);
  }

  /** Waits until {@code done()} holds, polling; fails the bench at its deadline. */
  static void await(String what, long deadline, java.util.function.BooleanSupplier done, java.util.function.Supplier<String> progress) {
    long lastReport = System.nanoTime();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("timed out waiting for " + what + ": " + progress.get());
      if (System.nanoTime() - lastReport > 10_000_000_000L) {
        lastReport = System.nanoTime();
        log("  waiting for %s: %s", what, progress.get());
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  /** Used heap after full GCs, in bytes. */
  static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 2; i++) {
      System.gc();
      LockSupport.parkNanos(200_000_000L);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** The JVM's class histogram of live objects: class name to {instances, bytes}. */
  static Map<String, long[]> classHistogram() {
    Map<String, long[]> result = new java.util.HashMap<>();
    try {
      String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      for (String line : histogram.split("\n")) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 4 || !parts[0].endsWith(":")) continue;
        result.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
      }
    } catch (Exception e) {
      System.err.println("no class histogram: " + e);
    }
    return result;
  }

  /** The classes that grew most in bytes from {@code before} to {@code after}, as printable lines. */
  static String histogramGrowth(Map<String, long[]> after, Map<String, long[]> before, int top, int per) {
    StringBuilder out = new StringBuilder();
    after.entrySet().stream()
        .map(e -> {
          long[] b = before.getOrDefault(e.getKey(), new long[2]);
          return Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
        })
        .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
        .limit(top)
        .forEach(e -> out.append(String.format(Locale.ROOT, "    %-70s %9d objects %8.1f MiB %7.0f B/instance%n",
            e.getKey(), e.getValue()[0], e.getValue()[1] / 1048576.0, e.getValue()[1] / (double) per)));
    return out.toString();
  }

  /**
   * As {@link #usedHeapAfterGc}, once it stops falling: a closed client lets go of its buffers a
   * moment after close() returns, which would otherwise be counted as retained by what was closed.
   */
  static long settledHeapAfterGc() {
    long used = usedHeapAfterGc();
    for (int i = 0; i < 10; i++) {
      LockSupport.parkNanos(1_000_000_000L);
      long now = usedHeapAfterGc();
      if (now > used - (1L << 20)) return Math.min(used, now);
      used = now;
    }
    return used;
  }

  /** Live objects of the classes the operator caches, from the JVM's class histogram. */
  static Map<String, Long> liveObjects() {
    Map<String, Long> result = new LinkedHashMap<>();
    for (Class<?> c : List.of(AigcInstance.class, AigcTemplate.class, PersistentVolumeClaim.class, GameServer.class,
        GameServerSet.class, io.fabric8.kubernetes.api.model.Pod.class)) {
      result.put(c.getSimpleName(), 0L);
    }
    try {
      String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      for (String line : histogram.split("\n")) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 4) continue;
        String cls = parts[3];
        int dot = cls.lastIndexOf('.');
        String simple = cls.substring(dot + 1);
        if (result.containsKey(simple) && (cls.startsWith("dev.aigc") || cls.startsWith("io.fabric8"))) {
          result.put(simple, Long.parseLong(parts[1]));
        }
      }
    } catch (Exception e) {
      System.err.println("no class histogram: " + e);
    }
    return result;
  }

  /** JOSDK's reconciler pool, behind its instrumented wrapper; its threads from now on are named and charged to the operator. */
  static void nameReconcilerThreads(AigcOperator operator) {
    ThreadPoolExecutor pool = reconcilerPool(operator);
    if (pool == null) {
      log("note: JOSDK's reconciler pool is not a ThreadPoolExecutor behind a field 'executor'; its threads are recognised by name only");
      return;
    }
    if (pool.getPoolSize() > 0) log("note: %d reconciler threads started before they could be named (recognised by name)", pool.getPoolSize());
    pool.setThreadFactory(Threads.factory(Threads.OPERATOR, "josdk-reconciler"));
  }

  static ThreadPoolExecutor reconcilerPool(AigcOperator operator) {
    try {
      ExecutorService wrapped = operator.operator().getConfigurationService().getExecutorServiceManager().reconcileExecutorService();
      var field = wrapped.getClass().getDeclaredField("executor");
      field.setAccessible(true);
      return (ThreadPoolExecutor) field.get(wrapped);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return null;
    }
  }

  /** Plain informers, one per kind the operator watches, as the least any informer-based operator holds. */
  static Map<String, java.util.function.Supplier<SharedIndexInformer<?>>> minimalInformers(KubernetesClient client) {
    Map<String, java.util.function.Supplier<SharedIndexInformer<?>>> informers = new LinkedHashMap<>();
    informers.put("aigctemplates", () -> client.resources(AigcTemplate.class).inNamespace(NS).inform());
    informers.put("gameserversets", () -> client.resources(GameServerSet.class).inNamespace(NS).inform());
    informers.put("aigcinstances", () -> client.resources(AigcInstance.class).inNamespace(NS).inform());
    informers.put("persistentvolumeclaims", () -> client.persistentVolumeClaims().inNamespace(NS).inform());
    informers.put("gameservers", () -> client.resources(GameServer.class).inNamespace(NS).inform());
    return informers;
  }
}
