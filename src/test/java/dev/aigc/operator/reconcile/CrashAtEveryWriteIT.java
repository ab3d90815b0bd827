package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN invariant 6: killing the operator between any two API calls and starting it again ends in
 * the same state. One lifecycle is run once with a healthy operator, counting the operator's writes
 * (N); then, for every k in 1..N, again with an operator whose client dies right after its k-th write
 * (the writes it sent have happened; nothing after), replaced by a healthy one as soon as it dies.
 * Each run must end as the clean run did, and the clean run as the design says.
 *
 * <p>The lifecycle: a template; alice and bob install; alice stops and starts (same ID); alice is
 * left idle until suspended and wakes by her use (same ID and disk; the operator's clock is moved,
 * bob's own limit is longer so that his instance is not suspended meanwhile); bob deletes
 * with retention Delete (his disk goes); alice deletes with Retain (her disk stays); carol installs
 * an instance with the very name alice's had, and must not get alice's disk; alice installs again
 * and gets her disk back. Carol comes before alice's return so that alice's disk is free to take
 * when carol asks for one: after alice's return it would be taken anyway.
 *
 * <p>Each run has its own namespace and its own operator watching only that namespace, on one
 * shared mock cluster: nothing of one run is visible to another's operator, and a fresh mock
 * cluster per run would cost more than the run.
 */
class CrashAtEveryWriteIT {
  static final String TEMPLATE = OperatorTestBase.TEMPLATE;
  /** Per step; a stuck step fails its run instead of waiting the shared one-minute bound. */
  static final Duration STEP = Duration.ofSeconds(30);
  /** Runs at a time. */
  static final int PARALLEL_RUNS = 8;

  static MockCluster cluster;
  static KubernetesClient kubectl;

  @BeforeAll
  static void startCluster() {
    cluster = MockCluster.start();
    kubectl = cluster.client();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  @Test
  void aCrashAfterAnyWriteEndsInTheSameStateAsNoCrash() throws Exception {
    Run clean = new Run("crash-0", 0);
    Outcome expected = clean.play();
    int n = clean.faults.writes();
    System.out.printf("clean run: %d operator writes, %.1f s (by step: %s); outcome %s%n  writes: %s%n",
        n, clean.seconds, clean.stepSeconds, expected, clean.faults.writeLog());
    assertThat(expected.problems()).as("the clean run itself").isEmpty();
    assertThat(n).as("the operator wrote something").isPositive();

    // The runs are independent (a namespace and an operator each) and mostly wait on the operator's
    // rate limits and retries, so a few at a time fit in a 2-core machine.
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_RUNS);
    List<Future<String>> results = new ArrayList<>();
    try {
      for (int k = 1; k <= n; k++) {
        int crashAt = k;
        results.add(pool.submit(() -> crashRun(crashAt, expected)));
      }
      List<String> failures = new ArrayList<>();
      for (Future<String> result : results) {
        String failure = result.get();
        if (failure != null) failures.add(failure);
      }
      if (!failures.isEmpty()) fail(failures.size() + " of " + n + " crash points did not end as the clean run:\n  "
          + String.join("\n  ", failures));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs the lifecycle with a crash after write k; null when it ended as the clean run. */
  private static String crashRun(int k, Outcome expected) {
    Run crashed = new Run("crash-" + k, k);
    String failure;
    try {
      Outcome outcome = crashed.play();
      failure = outcome.equals(expected) ? null : "ended as " + outcome + "\n    instead of " + expected;
    } catch (AssertionError | ConditionTimeoutException e) {
      failure = e.getMessage();
    }
    String crashPoint = crashed.crashedAfter == null ? "no crash (fewer writes this time)"
        : "crash after write " + k + " (" + crashed.crashedAfter + ") during '" + crashed.stepAtCrash + "'";
    System.out.printf("k=%d: %s, %.1f s%s%n", k, crashPoint, crashed.seconds, failure == null ? "" : ": FAILED");
    return failure == null ? null : "k=" + k + ", " + crashPoint + ":\n    " + failure;
  }

  /**
   * What a run ends with, without UIDs: IDs and phases per instance name, which disks exist (by ID)
   * and whose they are, what OKG runs, and the disk facts the lifecycle is about.
   */
  record Outcome(Map<String, Integer> ids, Map<String, String> phases, Map<Integer, String> diskOwners,
      Set<Integer> pods, Set<Integer> gameServers, Integer replicas, boolean aliceGotHerDiskBack,
      boolean carolGotAFreshDisk, boolean bobsDiskGone, List<String> problems, Map<Integer, String> disksAfterTemplateDeleted) {

    Outcome withDisksAfterTemplateDeleted(Map<Integer, String> kept) {
      return new Outcome(ids, phases, diskOwners, pods, gameServers, replicas, aliceGotHerDiskBack, carolGotAFreshDisk,
          bobsDiskGone, problems, kept);
    }
  }

  /** One namespace, one lifecycle, one operator (and its healthy successor after a crash). */
  static final class Run {
    final String ns;
    final ClientFaults faults = new ClientFaults(cluster);
    /** The idle decisions' clock, shared by the crashing operator and its successor. */
    final dev.aigc.operator.sim.ShiftedClock clock = new dev.aigc.operator.sim.ShiftedClock();
    KubernetesClient operatorClient;
    AigcOperator operator;
    boolean replaced;
    String crashedAfter;
    String stepAtCrash;
    String step = "start";
    long stepStart = System.nanoTime();
    final Map<String, String> stepSeconds = new java.util.LinkedHashMap<>();
    double seconds;
    String aliceDisk;
    String bobDisk;

    Run(String ns, int dieAfter) {
      this.ns = ns;
      if (dieAfter > 0) faults.dieAfterWrites(dieAfter);
    }

    Outcome play() {
      long start = System.nanoTime();
      operatorClient = faults.newClient();
      operator = newOperator(operatorClient);
      try {
        return lifecycle();
      } finally {
        operator.close();
        operatorClient.close();
        seconds = (System.nanoTime() - start) / 1e9;
      }
    }

    private AigcOperator newOperator(KubernetesClient client) {
      return new AigcOperator(client, settings(), dev.aigc.operator.observe.Telemetry.inMemory(), clock).start();
    }

    private OperatorSettings settings() {
      return new OperatorSettings(Set.of(ns), OperatorTestBase.SETTINGS.gatewayAuthUrl(),
          OperatorTestBase.SETTINGS.gatewaySignInUrl());
    }

    private Outcome lifecycle() {
      begin("template and two installs");
      AigcTemplate template = OperatorTestBase.load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
      template.getMetadata().setNamespace(ns);
      template.getSpec().getDedicated().setIdle(dev.aigc.operator.api.IdleSpec.of("30m", null, "4h"));
      kubectl.resource(template).create();
      // one after the other: two installs at once may take IDs 0 and 1 in either order, both right,
      // and the final states are compared ID for ID
      install("alice-sd", "alice");
      int aliceId = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId();
      install("bob-sd", "bob", "4h");
      awaitPhase("bob-sd", InstancePhase.Running);
      aliceDisk = diskUidOf("alice-sd");
      bobDisk = diskUidOf("bob-sd");

      begin("alice stops");
      setState("alice-sd", InstanceState.Stopped);
      awaitPhase("alice-sd", InstancePhase.Stopped);
      begin("alice starts");
      setState("alice-sd", InstanceState.Running);
      assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId())
          .as("alice's ID across stop and start").isEqualTo(aliceId);

      begin("alice idles until suspended");
      clock.advance(Duration.ofMinutes(31).plus(dev.aigc.operator.render.IdleSuspension.PUBLISH_LAG));
      poke("alice-sd"); // the reconcile due in 30 minutes of real time is not awaited
      AigcInstance suspended = awaitPhase("alice-sd", InstancePhase.Suspended);
      assertThat(suspended.getStatus().getInstanceId()).as("alice's ID while suspended").isEqualTo(aliceId);
      awaitUntil(() -> kubectl.pods().inNamespace(ns).list().getItems().stream()
          .noneMatch(p -> idOf(p.getMetadata().getName()) == aliceId && p.getMetadata().getDeletionTimestamp() == null),
          Duration.ofMillis(100));
      begin("alice wakes by her use");
      // what the gateway's ActivityPublisher writes: status.lastActivity alone, a JSON merge patch
      instances().withName("alice-sd").subresource("status").patch(
          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
          "{\"status\":{\"lastActivity\":\"" + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}}");
      assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId())
          .as("alice's ID across suspension and wake").isEqualTo(aliceId);
      assertThat(diskUidOf("alice-sd")).as("alice's disk across suspension and wake").isEqualTo(aliceDisk);

      begin("bob deletes with Delete");
      edit("bob-sd", i -> i.getSpec().setDataRetention(DataRetention.Delete));
      instances().withName("bob-sd").delete();
      awaitGone("bob-sd");
      // the disk goes once its ID is reserved: until then the ID is held, so wait as a user sees it go
      awaitUntil(() -> kubectl.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
          .noneMatch(p -> p.getMetadata().getUid().equals(bobDisk)), Duration.ofMillis(100));

      begin("alice deletes with Retain");
      instances().withName("alice-sd").delete();
      awaitGone("alice-sd");

      // carol takes the very name alice's instance had: a new instance, not alice's
      begin("carol installs alice's old name");
      install("alice-sd", "carol");
      awaitPhase("alice-sd", InstancePhase.Running);

      begin("alice installs again");
      install("alice-again", "alice");
      awaitPhase("alice-again", InstancePhase.Running);

      begin("final state");
      // the last writes (template status, a GameServerSet's reserve list) may still be on their way
      Outcome[] last = new Outcome[1];
      try {
        awaitUntil(() -> {
          Outcome now = outcome();
          boolean steady = now.equals(last[0]);
          last[0] = now;
          return steady && now.replicas() != null && now.pods().size() == now.replicas();
        }, Duration.ofMillis(500));
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("no steady final state; last seen " + last[0], e);
      }
      // deletionPolicy Cascade: the instances go (both Retain: their disks stay with alice and carol), then the set
      begin("template deleted");
      kubectl.resources(AigcTemplate.class).inNamespace(ns).withName(TEMPLATE).delete();
      awaitUntil(() -> kubectl.resources(AigcTemplate.class).inNamespace(ns).withName(TEMPLATE).get() == null
          && instances().list().getItems().isEmpty()
          && kubectl.resources(GameServerSet.class).inNamespace(ns).withName(TEMPLATE).get() == null, Duration.ofMillis(100));
      Map<Integer, String> kept = new TreeMap<>();
      for (PersistentVolumeClaim pvc : kubectl.persistentVolumeClaims().inNamespace(ns).list().getItems()) {
        var annotations = pvc.getMetadata().getAnnotations();
        kept.put(idOf(pvc.getMetadata().getName()), annotations == null ? null : annotations.get("aigc.dev/owner"));
      }
      begin("done");
      return last[0].withDisksAfterTemplateDeleted(kept);
    }

    private void begin(String next) {
      long now = System.nanoTime();
      stepSeconds.put(step, String.format(java.util.Locale.ROOT, "%.1f", (now - stepStart) / 1e9));
      step = next;
      stepStart = now;
    }

    private Outcome outcome() {
      Map<String, Integer> ids = new TreeMap<>();
      Map<String, String> phases = new TreeMap<>();
      List<String> problems = new ArrayList<>();
      for (AigcInstance i : instances().list().getItems()) {
        var status = i.getStatus();
        ids.put(i.getMetadata().getName(), status == null ? null : status.getInstanceId());
        phases.put(i.getMetadata().getName(), status == null || status.getPhase() == null ? null : status.getPhase().name());
      }
      Map<Integer, String> diskOwners = new TreeMap<>();
      Map<String, String> diskUidByName = new TreeMap<>();
      for (PersistentVolumeClaim pvc : kubectl.persistentVolumeClaims().inNamespace(ns).list().getItems()) {
        var annotations = pvc.getMetadata().getAnnotations();
        diskOwners.put(idOf(pvc.getMetadata().getName()), annotations == null ? null : annotations.get("aigc.dev/owner"));
        diskUidByName.put(pvc.getMetadata().getName(), pvc.getMetadata().getUid());
      }
      Set<Integer> pods = kubectl.pods().inNamespace(ns).list().getItems().stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .map(p -> idOf(p.getMetadata().getName())).collect(Collectors.toCollection(TreeSet::new));
      Set<Integer> gameServers = kubectl.resources(GameServer.class).inNamespace(ns).list().getItems().stream()
          .map(g -> idOf(g.getMetadata().getName())).collect(Collectors.toCollection(TreeSet::new));
      GameServerSet gss = kubectl.resources(GameServerSet.class).inNamespace(ns).withName(TEMPLATE).get();
      Integer replicas = gss == null || gss.getSpec() == null ? null : gss.getSpec().getReplicas();
      if (gss != null) {
        Set<Integer> reserved = GameServerSetUpdate.reservedIds(gss);
        Set<Integer> reservedRunning = new TreeSet<>(pods);
        reservedRunning.retainAll(reserved);
        if (!reservedRunning.isEmpty()) problems.add("IDs both running and reserved: " + reservedRunning);
      }
      List<Integer> held = ids.values().stream().filter(Objects::nonNull).toList();
      if (new TreeSet<>(held).size() != held.size()) problems.add("duplicate IDs: " + ids);

      String aliceNow = diskOfInstance("alice-again", diskUidByName);
      String carolNow = diskOfInstance("alice-sd", diskUidByName);
      boolean aliceBack = aliceDisk != null && aliceDisk.equals(aliceNow);
      boolean carolFresh = carolNow != null && !carolNow.equals(aliceDisk) && !carolNow.equals(bobDisk);
      boolean bobGone = bobDisk != null && !diskUidByName.containsValue(bobDisk);
      if (!aliceBack) problems.add("alice's new instance is on " + roleOf(aliceNow) + ", not on her old disk");
      if (!carolFresh) problems.add("carol's instance (named alice-sd) is on " + roleOf(carolNow));
      if (!bobGone) problems.add("bob's disk survived a Delete");
      Set<String> inUse = new TreeSet<>();
      for (AigcInstance i : instances().list().getItems()) {
        if (i.getStatus() != null && i.getStatus().getVolumeClaim() != null) inUse.add(i.getStatus().getVolumeClaim());
      }
      for (String claim : diskUidByName.keySet()) {
        String owner = diskOwners.get(idOf(claim));
        if (!inUse.contains(claim) && owner == null) problems.add("disk " + claim + " is no one's (orphan)");
      }
      Set<Integer> orphanServers = new TreeSet<>(gameServers);
      orphanServers.removeAll(pods);
      if (!orphanServers.isEmpty()) problems.add("GameServers without a pod: " + orphanServers);
      return new Outcome(ids, phases, diskOwners, pods, gameServers, replicas, aliceBack, carolFresh, bobGone, problems, null);
    }

    /** A disk by what it is in this lifecycle (UIDs differ from run to run). */
    private String roleOf(String diskUid) {
      if (diskUid == null) return "no disk";
      if (diskUid.equals(aliceDisk)) return "alice's first disk";
      if (diskUid.equals(bobDisk)) return "bob's disk";
      return "a new disk";
    }

    private String diskOfInstance(String name, Map<String, String> diskUidByName) {
      AigcInstance i = instances().withName(name).get();
      if (i == null || i.getStatus() == null || i.getStatus().getVolumeClaim() == null) return null;
      return diskUidByName.get(i.getStatus().getVolumeClaim());
    }

    private String diskUidOf(String name) {
      AigcInstance i = instances().withName(name).get();
      assertThat(i.getStatus().getVolumeClaim()).as(name + "'s status.volumeClaim").isNotNull();
      PersistentVolumeClaim pvc = kubectl.persistentVolumeClaims().inNamespace(ns).withName(i.getStatus().getVolumeClaim()).get();
      assertThat(pvc).as(name + "'s disk " + i.getStatus().getVolumeClaim()).isNotNull();
      return pvc.getMetadata().getUid();
    }

    private static int idOf(String name) {
      return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    private void install(String name, String owner) {
      install(name, owner, null);
    }

    private void install(String name, String owner, String suspendAfter) {
      AigcInstance instance = new AigcInstance();
      instance.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
      AigcInstanceSpec spec = new AigcInstanceSpec();
      spec.setTemplate(TEMPLATE);
      spec.setOwner(owner);
      spec.setSuspendAfter(suspendAfter);
      instance.setSpec(spec);
      kubectl.resource(instance).create();
    }

    /** Makes the instance reconciler look again now (an annotation change), after the clock moved. */
    private void poke(String name) {
      edit(name, i -> {
        if (i.getMetadata().getAnnotations() == null) i.getMetadata().setAnnotations(new java.util.HashMap<>());
        i.getMetadata().getAnnotations().put("test.aigc.dev/poke", java.util.UUID.randomUUID().toString());
      });
    }

    private void setState(String name, InstanceState state) {
      edit(name, i -> i.getSpec().setState(state));
    }

    /** As kubectl edit: read, change, write with that version; read again when someone wrote meanwhile (409). */
    private void edit(String name, java.util.function.Consumer<AigcInstance> change) {
      for (int attempt = 1; ; attempt++) {
        try {
          instances().withName(name).edit(i -> {
            change.accept(i);
            return i;
          });
          return;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          if (e.getCode() != 409 || attempt == 10) throw e;
        }
      }
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<AigcInstance,
        io.fabric8.kubernetes.api.model.KubernetesResourceList<AigcInstance>,
        io.fabric8.kubernetes.client.dsl.Resource<AigcInstance>> instances() {
      return kubectl.resources(AigcInstance.class).inNamespace(ns);
    }

    private AigcInstance awaitPhase(String name, InstancePhase phase) {
      try {
        awaitUntil(() -> {
          AigcInstance i = instances().withName(name).get();
          return i != null && i.getStatus() != null && i.getStatus().getPhase() == phase;
        }, Duration.ofMillis(100));
      } catch (ConditionTimeoutException e) {
        AigcInstance i = instances().withName(name).get();
        throw new AssertionError("step '" + step + "': " + name + " not " + phase + " within " + STEP.toSeconds()
            + " s; it is " + (i == null ? "gone" : i.getStatus() == null ? "without status" : i.getStatus().getPhase()
            + " (" + conditionsOf(i) + ")"), e);
      }
      return instances().withName(name).get();
    }

    private void awaitGone(String name) {
      try {
        awaitUntil(() -> instances().withName(name).get() == null, Duration.ofMillis(100));
      } catch (ConditionTimeoutException e) {
        AigcInstance i = instances().withName(name).get();
        throw new AssertionError("step '" + step + "': " + name + " not deleted within " + STEP.toSeconds() + " s; it is "
            + (i == null || i.getStatus() == null ? "without status" : i.getStatus().getPhase() + " (" + conditionsOf(i) + ")"), e);
      }
    }

    private static String conditionsOf(AigcInstance i) {
      return i.getStatus().getConditions() == null ? "no conditions" : i.getStatus().getConditions().stream()
          .map(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
          .collect(Collectors.joining("; "));
    }

    /** Awaits the condition; the moment the crashing operator is dead, a healthy one takes over. */
    private void awaitUntil(Callable<Boolean> condition, Duration poll) {
      await().atMost(STEP).pollInterval(poll).until(() -> {
        replaceIfDead();
        return condition.call();
      });
    }

    private void replaceIfDead() {
      if (replaced || !faults.dead()) return;
      replaced = true;
      List<String> log = faults.writeLog();
      crashedAfter = log.isEmpty() ? "?" : log.get(log.size() - 1);
      stepAtCrash = step;
      operator.close();
      operatorClient.close();
      operatorClient = cluster.newClient(b -> { });
      operator = newOperator(operatorClient);
    }
  }
}
