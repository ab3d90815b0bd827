package dev.aigc.operator.bench;

import static dev.aigc.operator.bench.ConvergenceBench.NS;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.bench.ConvergenceBench.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.IntStream;

/**
 * Phase C: the burst's instances stopped all at once, then started again at the burst's rate, as
 * users (or the gateway's wake) start instances that already have an ID and a disk. Counts what a
 * stop and a start write, trailing writes included (until the operator's queue stays empty).
 */
final class RestartPhase {
  int count;
  double stopSeconds;
  Map<String, Long> writesStop;
  double startRate;
  double startSeconds;
  Map<String, Long> writesStart;
  /** Start asked (spec.state Running written) → status Starting; GameServer Ready → Running; asked → Running. In ms, sorted. */
  List<Double> askedToStarting;
  List<Double> readyToRunning;
  List<Double> askedToRunning;

  static RestartPhase run(Config c, KubernetesClient kubectl, StartWatch watch, WriteCounter writes,
      ThreadPoolExecutor reconcilers, ExecutorService pool, long deadline) throws Exception {
    RestartPhase r = new RestartPhase();
    List<String> names = IntStream.range(0, c.burst()).mapToObj(i -> ConvergenceBench.instanceName(true, i)).toList();
    r.count = names.size();

    Map<String, Long> w0 = writes.byKind();
    long t0 = System.nanoTime();
    ConvergenceBench.atOnce(pool, names.size(), i -> state(kubectl, names.get(i), "Stopped"));
    ConvergenceBench.await("the burst Stopped", deadline, () -> watch.inPhase(names, InstancePhase.Stopped) == names.size(),
        () -> watch.inPhase(names, InstancePhase.Stopped) + " stopped");
    r.stopSeconds = (System.nanoTime() - t0) / 1e9;
    OperatorRun.settle(reconcilers, deadline);
    r.writesStop = WriteCounter.minus(writes.byKind(), w0);
    ConvergenceBench.log("  phase C: %d stopped in %.2f s", names.size(), r.stopSeconds);

    Map<String, Long> w1 = writes.byKind();
    Map<String, Long> asked = new ConcurrentHashMap<>();
    long t1 = System.nanoTime();
    r.startRate = ConvergenceBench.atRate(pool, names.size(), c.rate(), i -> {
      asked.put(names.get(i), System.nanoTime());
      state(kubectl, names.get(i), "Running");
    });
    ConvergenceBench.await("the burst Running again", deadline, () -> running(watch, asked) == names.size(),
        () -> running(watch, asked) + " running again");
    r.startSeconds = (System.nanoTime() - t1) / 1e9;
    OperatorRun.settle(reconcilers, deadline);
    r.writesStart = WriteCounter.minus(writes.byKind(), w1);
    r.askedToStarting = watch.askedToStarting(asked);
    r.readyToRunning = watch.lastReadyToRunning(names);
    r.askedToRunning = watch.askedToRunning(asked);
    ConvergenceBench.log("  phase C: %d started again in %.2f s", names.size(), r.startSeconds);
    return r;
  }

  private static long running(StartWatch watch, Map<String, Long> asked) {
    return asked.entrySet().stream().filter(e -> watch.runningSince(e.getKey(), e.getValue())).count();
  }

  /** What a user's stop or start writes: the instance's spec.state. */
  private static void state(KubernetesClient kubectl, String name, String state) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"state\":\"" + state + "\"}}");
  }
}
