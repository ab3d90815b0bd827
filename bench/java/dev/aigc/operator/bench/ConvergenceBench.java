package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.reconcile.AigcOperator;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * N instances across M templates, created at once on the mock API server with the OKG simulator:
 * seconds until every instance is Running, API writes per instance, peak heap, and the ratio of the
 * convergence time to the time the same mock server needs just to store the same resources.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile} (or {@code bench/convergence.sh [N] [M]}).
 */
public final class ConvergenceBench {
  private static final int CLIENT_THREADS = 8;
  private static final String NS = "bench";

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int templates = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    AigcTemplate example = load();

    double baseline = storageBaseline(instances, templates, example);

    try (MockCluster cluster = MockCluster.start()) {
      WriteCounter writes = new WriteCounter();
      KubernetesClient operatorClient = cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("bench-writes", writes)));
      OperatorSettings settings = new OperatorSettings(Set.of(), "http://gateway.bench.svc:8080/auth", "https://aigc.example.com/sign-in");
      try (AigcOperator operator = new AigcOperator(operatorClient, settings).start()) {
        KubernetesClient kubectl = cluster.client();
        for (int t = 0; t < templates; t++) kubectl.resource(template(example, t)).create();

        long start = System.nanoTime();
        parallel(instances, i -> kubectl.resource(instance(i, templates)).create());
        System.out.printf(Locale.ROOT, "created %d instances in %.2f s%n", instances, (System.nanoTime() - start) / 1e9);
        int running = 0;
        long lastReport = System.nanoTime();
        while (running < instances) {
          var all = kubectl.resources(AigcInstance.class).inNamespace(NS).list().getItems();
          running = (int) all.stream().filter(i -> i.getStatus() != null && i.getStatus().getPhase() == InstancePhase.Running).count();
          if (System.nanoTime() - lastReport > 10_000_000_000L) {
            lastReport = System.nanoTime();
            long allocated = all.stream().filter(i -> i.getStatus() != null && i.getStatus().getInstanceId() != null).count();
            System.out.printf(Locale.ROOT, "  after %.0f s: %d with an ID, %d pods created, %d running%n",
                (lastReport - start) / 1e9, allocated, cluster.okg().podsCreated(), running);
          }
          if (running < instances) {
            if (System.nanoTime() - start > 600_000_000_000L) throw new IllegalStateException("no convergence in 10 minutes: " + running + " running");
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        report(instances, templates, seconds, baseline, writes, cluster.okg().podsCreated());
      }
      operatorClient.close();
    }
    System.exit(0);
  }

  /** The time the mock server needs to store what a converged run ends with, written by 8 client threads. */
  private static double storageBaseline(int instances, int templates, AigcTemplate example) throws Exception {
    try (MockCluster cluster = MockCluster.start()) {
      KubernetesClient client = cluster.client();
      long start = System.nanoTime();
      parallel(templates, t -> client.resource(template(example, t)).create());
      parallel(templates, t -> client.resource(gameServerSet(t)).create());
      parallel(instances, i -> client.resource(instance(i, templates)).create());
      parallel(instances, i -> client.resource(named(new Pod(), "pod-" + i)).create());
      parallel(instances, i -> client.resource(named(new GameServer(), "gs-" + i)).create());
      parallel(instances, i -> client.resource(named(new PersistentVolumeClaim(), "pvc-" + i)).create());
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static void report(int instances, int templates, double seconds, double baseline, WriteCounter writes, int pods) {
    long events = writes.byKind().entrySet().stream().filter(e -> e.getKey().endsWith(" events")).mapToLong(e -> e.getValue()).sum();
    long total = writes.total("events");
    long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(Locale.ROOT, "instances=%d templates=%d pods_created=%d%n", instances, templates, pods);
    System.out.printf(Locale.ROOT, "converge_seconds=%.2f storage_baseline_seconds=%.2f ratio=%.2f (target <= 3.00)%n",
        seconds, baseline, seconds / baseline);
    System.out.printf(Locale.ROOT, "api_writes_per_instance=%.2f (target <= 4.00; finalizer, statuses, GameServerSets)%n",
        total / (double) instances);
    System.out.printf(Locale.ROOT, "events_per_instance=%.2f conflicts_409=%d (counted in the writes above)%n",
        events / (double) instances, writes.conflicts());
    System.out.printf(Locale.ROOT, "peak_heap_mib=%d (operator, mock API server and simulator in one JVM)%n", peakHeap / (1024 * 1024));
    System.out.println("writes by kind:");
    writes.byKind().forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-40s %d%n", k, v));
  }

  private static AigcTemplate load() throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("examples/stable-diffusion-cpu.yaml"))) {
      return Serialization.unmarshal(in, AigcTemplate.class);
    }
  }

  private static AigcTemplate template(AigcTemplate example, int t) {
    AigcTemplate copy = Serialization.clone(example);
    copy.setMetadata(new ObjectMetaBuilder().withName("sd-" + t).withNamespace(NS).build());
    copy.getSpec().getDedicated().getIngress().setHost("i<id>-sd-" + t + ".example.com");
    return copy;
  }

  private static AigcInstance instance(int i, int templates) {
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new ObjectMetaBuilder().withName("user-" + i).withNamespace(NS).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate("sd-" + (i % templates));
    spec.setOwner("user-" + i);
    instance.setSpec(spec);
    return instance;
  }

  private static GameServerSet gameServerSet(int t) {
    return named(new GameServerSet(), "sd-" + t);
  }

  private static <T extends HasMetadata> T named(T resource, String name) {
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    return resource;
  }

  private static void parallel(int count, Function<Integer, Object> create) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        futures.add(pool.submit(() -> create.apply(n)));
      }
      for (Future<Object> f : futures) f.get();
    } finally {
      pool.shutdown();
    }
  }

}
