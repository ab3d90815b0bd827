package dev.aigc.operator.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.impl.VertxThread;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who each thread works for, so that CPU time and allocations can be charged to the operator alone.
 *
 * <p>Every thread the bench can name is created by a factory from here and registered under its
 * owner: the operator's HTTP client (its own Vert.x event loops and its informers' task executor),
 * JOSDK's reconciler pool (its thread factory is replaced before the first reconcile), the
 * simulator's client, the bench's own clients. What is left over is sorted by name (see
 * {@link #ownerOf}); the mock API server's Vert.x threads are the only unnamed {@code vert.x-}
 * threads, as every client's Vert.x is one of ours.
 */
final class Threads {
  static final String OPERATOR = "operator";
  static final String SIMULATOR = "simulator";
  static final String API_SERVER = "apiserver";
  static final String BENCH = "bench";
  static final String OTHER = "other";

  private static final Map<Long, String> owners = new ConcurrentHashMap<>();
  private static final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  static {
    mx.setThreadCpuTimeEnabled(true);
    mx.setThreadAllocatedMemoryEnabled(true);
  }

  private Threads() {}

  static void register(Thread thread, String owner) {
    owners.put(thread.getId(), owner);
  }

  /** Daemon threads named {@code <owner>-<name>-<n>}, charged to {@code owner}. */
  static ThreadFactory factory(String owner, String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, owner + "-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      register(t, owner);
      return t;
    };
  }

  /** A pool whose idle threads live on, so that the CPU time they used is still readable at the end. */
  static ExecutorService pool(String owner, String name, int threads) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.HOURS, new LinkedBlockingQueue<>(), factory(owner, name));
    return pool;
  }

  /** A cached pool (as fabric8's default task executor) whose threads are charged to {@code owner}. */
  static ExecutorService cachedPool(String owner, String name) {
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.HOURS, new java.util.concurrent.SynchronousQueue<>(), factory(owner, name));
  }

  /**
   * A Vert.x instance as fabric8's Vert.x HTTP client makes for itself (daemon threads, no file
   * caching, its own DNS resolver off), with its threads named and charged to {@code owner}.
   */
  static Vertx vertx(String owner) {
    String previous = System.getProperty("vertx.disableDnsResolver");
    System.setProperty("vertx.disableDnsResolver", "true");
    try {
      VertxOptions options = new VertxOptions()
          .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false))
          .setUseDaemonThread(true);
      return new VertxBuilder(options)
          .threadFactory(new io.vertx.core.spi.VertxThreadFactory() {
            @Override
            public VertxThread newVertxThread(Runnable target, String name, boolean worker, long maxExecTime, TimeUnit unit) {
              VertxThread t = new VertxThread(target, owner + "-" + name, worker, maxExecTime, unit);
              register(t, owner);
              return t;
            }
          })
          .init().vertx();
    } finally {
      if (previous == null) System.clearProperty("vertx.disableDnsResolver");
      else System.setProperty("vertx.disableDnsResolver", previous);
    }
  }

  /**
   * Threads nobody registered: JOSDK's timers (retries, rescheduling) and start-up pool are the
   * operator's (nothing else in this JVM uses {@code java.util.Timer} or unnamed pools); unnamed
   * Vert.x threads belong to the mock API server.
   */
  static String ownerOf(long id, String name) {
    String owner = owners.get(id);
    if (owner != null) return owner;
    if (name.startsWith("ReconcilerExecutor-") || name.startsWith("Timer-") || name.startsWith("pool-")) return OPERATOR;
    if (name.startsWith("okg-simulator")) return SIMULATOR;
    if (name.startsWith("vert.x-")) return API_SERVER;
    return OTHER;
  }

  /** CPU time and allocated bytes per live thread, at one moment. */
  record Sample(Map<Long, long[]> byThread, Map<Long, String> names, long processCpuNanos, long nanoTime) {
    static Sample take() {
      Map<Long, long[]> byThread = new HashMap<>();
      Map<Long, String> names = new HashMap<>();
      long[] ids = mx.getAllThreadIds();
      long[] cpu = mx.getThreadCpuTime(ids);
      long[] alloc = mx.getThreadAllocatedBytes(ids);
      var infos = mx.getThreadInfo(ids);
      for (int i = 0; i < ids.length; i++) {
        if (cpu[i] < 0 || infos[i] == null) continue;
        byThread.put(ids[i], new long[] {cpu[i], alloc[i]});
        names.put(ids[i], infos[i].getThreadName());
      }
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new Sample(byThread, names, os.getProcessCpuTime(), System.nanoTime());
    }

    /**
     * CPU nanoseconds and allocated bytes per owner between {@code before} and this sample; threads
     * that ended in between are lost (every pool here keeps its threads, so only short-lived
     * threads of libraries are). "jvm" is the process's CPU time that no Java thread accounts
     * for: GC, JIT and other JVM-internal threads.
     */
    Map<String, long[]> since(Sample before) {
      Map<String, long[]> result = new TreeMap<>();
      long threads = 0;
      for (var e : byThread.entrySet()) {
        long[] was = before.byThread.getOrDefault(e.getKey(), new long[2]);
        long cpu = e.getValue()[0] - was[0];
        long alloc = e.getValue()[1] - was[1];
        threads += cpu;
        String owner = ownerOf(e.getKey(), names.get(e.getKey()));
        long[] sum = result.computeIfAbsent(owner, k -> new long[2]);
        sum[0] += cpu;
        sum[1] += alloc;
      }
      result.put("jvm", new long[] {Math.max(0, processCpuNanos - before.processCpuNanos - threads), 0});
      return result;
    }

    /** The busiest threads of one owner since {@code before}, for a closer look. */
    String top(Sample before, String owner, int limit) {
      StringBuilder sb = new StringBuilder();
      byThread.entrySet().stream()
          .filter(e -> owner.equals(ownerOf(e.getKey(), names.get(e.getKey()))))
          .sorted((a, b) -> Long.compare(b.getValue()[0] - before.byThread.getOrDefault(b.getKey(), new long[2])[0],
              a.getValue()[0] - before.byThread.getOrDefault(a.getKey(), new long[2])[0]))
          .limit(limit)
          .forEach(e -> sb.append(String.format(java.util.Locale.ROOT, "    %-50s %8.0f ms%n", names.get(e.getKey()),
              (e.getValue()[0] - before.byThread.getOrDefault(e.getKey(), new long[2])[0]) / 1e6)));
      return sb.toString();
    }
  }
}
