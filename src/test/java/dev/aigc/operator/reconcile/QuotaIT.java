package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcQuota;
import dev.aigc.operator.api.AigcQuotaSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.ComputeSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.api.QuotaSpec;
import dev.aigc.operator.render.Conditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Template and namespace quotas, with the real reconcilers and the OKG simulator. */
class QuotaIT extends OperatorTestBase {
  private ClientFaults faults;

  @Override
  void startOperator() {
    faults = new ClientFaults(cluster);
    operatorClient = faults.newClient();
    operator = new AigcOperator(operatorClient, SETTINGS).start();
  }

  /** A quota taken off and put back stops nobody who started in between (a lowered quota stops no one). */
  @Test
  void aQuotaRemovedAndPutBackStopsNobodyWhoStartedMeanwhile() {
    template("sd", quota(1, null));
    install("alice-sd", "alice", "sd");
    await().atMost(WAIT).until(() -> running("alice-sd"));
    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName("sd").edit(t -> {
      t.getSpec().getDedicated().setQuota(null);
      return t;
    });
    install("bob-sd", "bob", "sd");
    await().atMost(WAIT).until(() -> running("bob-sd"));

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName("sd").edit(t -> {
      quota(1, null).accept(t);
      return t;
    });
    install("carol-sd", "carol", "sd");
    await().atMost(WAIT).until(() -> waiting("carol-sd"));
    assertThat(running("alice-sd") && running("bob-sd")).as("alice and bob still run").isTrue();
  }

  /**
   * maxRunning 1: alice stops, so bob is admitted in her place; the set write that stops her and
   * starts him is refused (409: OKG wrote the set back first), and she starts again before a write
   * lands. She is a newcomer then: bob runs, she waits; never both.
   */
  @Test
  void anInstanceStartedAgainBeforeItsStopIsWrittenWaitsBehindTheOneAdmittedInItsPlace() {
    template("sd", quota(1, null));
    install("alice-sd", "alice", "sd");
    await().atMost(WAIT).until(() -> running("alice-sd"));
    install("bob-sd", "bob", "sd");
    await().atMost(WAIT).until(() -> waiting("bob-sd"));
    for (int i = 0; i < 3; i++) {
      faults.failNext("PUT", path -> path.contains("/gameserversets/"), 409, "OKG wrote the set back first");
    }

    setState("alice-sd", InstanceState.Stopped);
    await().atMost(WAIT).until(() -> faults.faultsServed() >= 1);
    setState("alice-sd", InstanceState.Running);

    await().atMost(WAIT).until(() -> faults.pendingFaults().isEmpty() && running("bob-sd") && waiting("alice-sd"));
    assertThat(kubectl.resources(dev.aigc.operator.okg.GameServerSet.class).inNamespace(NS).withName("sd").get()
        .getSpec().getReplicas()).isEqualTo(1);
  }

  private AigcTemplate template(String name, Consumer<AigcTemplate> change) {
    AigcTemplate template = load(java.nio.file.Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    template.getMetadata().setName(name);
    template.getSpec().getDedicated().getIngress().setHost("i<id>-" + name + ".example.com");
    change.accept(template);
    return kubectl.resource(template).create();
  }

  private static Consumer<AigcTemplate> quota(Integer maxRunning, Integer maxPerUser) {
    return t -> {
      QuotaSpec q = new QuotaSpec();
      q.setMaxRunning(maxRunning);
      q.setMaxPerUser(maxPerUser);
      t.getSpec().getDedicated().setQuota(q);
    };
  }

  private static Consumer<AigcTemplate> gpus(int gpus) {
    return t -> {
      ComputeSpec c = new ComputeSpec();
      c.setGpu(gpus);
      t.getSpec().setCompute(c);
    };
  }

  /** Both creates sent at once, as two users clicking Install together. */
  private void installTogether(String template, String... namesAndOwners) {
    List<CompletableFuture<AigcInstance>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < namesAndOwners.length; i += 2) {
      String name = namesAndOwners[i];
      String owner = namesAndOwners[i + 1];
      calls.add(CompletableFuture.supplyAsync(() -> install(name, owner, template)));
    }
    calls.forEach(CompletableFuture::join);
  }

  private String stalledReason(String name) {
    AigcInstance i = instance(name);
    var stalled = i == null || i.getStatus() == null ? null : Conditions.find(i.getStatus().getConditions(), Conditions.STALLED);
    return stalled == null || !Conditions.TRUE.equals(stalled.getStatus()) ? null : stalled.getReason();
  }

  private String readyMessage(String name) {
    return Conditions.find(instance(name).getStatus().getConditions(), Conditions.READY).getMessage();
  }

  private boolean waiting(String name) {
    AigcInstance i = instance(name);
    return i != null && i.getStatus() != null && i.getStatus().getPhase() == InstancePhase.Pending
        && "QuotaExceeded".equals(stalledReason(name));
  }

  private boolean running(String name) {
    AigcInstance i = instance(name);
    return i != null && i.getStatus() != null && i.getStatus().getPhase() == InstancePhase.Running;
  }

  @Test
  void twoInstallsRacingForTheLastSlotOneWinsAndTheOtherStartsWhenRoomFreesUp() {
    template("sd", quota(2, null));
    install("alice-sd", "alice", "sd");
    awaitPhase("alice-sd", InstancePhase.Running);

    installTogether("sd", "bob-sd", "bob", "carol-sd", "carol");

    await().atMost(WAIT).until(() -> (running("bob-sd") && waiting("carol-sd")) || (running("carol-sd") && waiting("bob-sd")));
    String loser = waiting("bob-sd") ? "bob-sd" : "carol-sd";
    assertThat(readyMessage(loser)).contains("template sd allows 2 running instance(s)", "maxRunning", "starts by itself");
    // the loser holds no ID and no disk while it waits: nothing of it runs
    assertThat(instance(loser).getStatus().getInstanceId()).isNull();
    assertThat(kubectl.resources(dev.aigc.operator.okg.GameServerSet.class).inNamespace(NS).withName("sd").get()
        .getSpec().getReplicas()).isEqualTo(2);
    await().atMost(WAIT).until(() -> kubectl.resources(AigcTemplate.class).inNamespace(NS).withName("sd").get()
        .getStatus().getWaitingForQuota() != null);

    setState("alice-sd", InstanceState.Stopped);
    awaitPhase(loser, InstancePhase.Running);
    assertThat(stalledReason(loser)).isNull();
    awaitPhase("alice-sd", InstancePhase.Stopped);
    // and alice, back in line, waits
    setState("alice-sd", InstanceState.Running);
    await().atMost(WAIT).until(() -> waiting("alice-sd"));
  }

  @Test
  void loweringAQuotaStopsNoOneAndHoldsNewStarts() {
    template("sd", quota(null, null));
    install("alice-sd", "alice", "sd");
    install("bob-sd", "bob", "sd");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitPhase("bob-sd", InstancePhase.Running);

    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName("sd").edit(t -> {
      quota(1, null).accept(t);
      return t;
    });
    install("carol-sd", "carol", "sd");
    await().atMost(WAIT).until(() -> waiting("carol-sd"));
    assertThat(running("alice-sd")).isTrue();
    assertThat(running("bob-sd")).isTrue();

    // one stopped leaves one running, which the lowered quota allows: carol still waits
    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    assertThat(waiting("carol-sd")).isTrue();
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("bob-sd").delete();
    awaitPhase("carol-sd", InstancePhase.Running);
  }

  /**
   * A lost GameServerSet (an admin deleted it) comes back at the same IDs with what the quota allows
   * now, oldest first, whether or not the operator restarted meanwhile (invariant 6). It used to
   * depend on the operator's memory: without a restart both came back, after one only alice.
   */
  @Test
  void aLostSetComesBackWithWhatALoweredQuotaAllowsWithOrWithoutARestart() {
    for (boolean restart : new boolean[] {false, true}) {
      String template = restart ? "sd2" : "sd";
      template(template, quota(null, null));
      install("alice-" + template, "alice", template);
      install("bob-" + template, "bob", template);
      int aliceId = awaitPhase("alice-" + template, InstancePhase.Running).getStatus().getInstanceId();
      awaitPhase("bob-" + template, InstancePhase.Running);
      kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(template).edit(t -> {
        quota(1, null).accept(t);
        return t;
      });
      await().during(java.time.Duration.ofSeconds(1)).atMost(WAIT).until(() -> running("bob-" + template));

      if (restart) stopOperator();
      var sets = kubectl.resources(dev.aigc.operator.okg.GameServerSet.class).inNamespace(NS);
      String uid = sets.withName(template).get().getMetadata().getUid();
      sets.withName(template).delete();
      await().atMost(WAIT).until(() -> sets.withName(template).get() == null || !uid.equals(sets.withName(template).get().getMetadata().getUid()));
      if (restart) startOperator();

      await(restart ? "after a restart" : "without a restart").atMost(WAIT)
          .until(() -> running("alice-" + template) && waiting("bob-" + template));
      var set = sets.withName(template).get();
      assertThat(set.getSpec().getReplicas()).isEqualTo(1);
      assertThat(dev.aigc.operator.render.GameServerSetUpdate.reservedIds(set)).doesNotContain(aliceId);
    }
  }

  @Test
  void aPerUserQuotaHoldsOnlyThatUsersSecondInstance() {
    template("sd", quota(null, 1));
    install("alice-1", "alice", "sd");
    awaitPhase("alice-1", InstancePhase.Running);
    install("alice-2", "alice", "sd");
    install("bob-1", "bob", "sd");
    awaitPhase("bob-1", InstancePhase.Running);
    await().atMost(WAIT).until(() -> waiting("alice-2"));
    assertThat(readyMessage("alice-2")).contains("1 running instance(s) per user", "maxPerUser");

    setState("alice-1", InstanceState.Stopped);
    awaitPhase("alice-2", InstancePhase.Running);
  }

  @Test
  void aNamespaceGpuQuotaSpansTemplatesAndTwoTemplatesRacingForTheLastGpuGiveItToOne() {
    AigcQuota quota = new AigcQuota();
    quota.setMetadata(new ObjectMetaBuilder().withName("team-gpus").withNamespace(NS).build());
    AigcQuotaSpec spec = new AigcQuotaSpec();
    spec.setGpus(2);
    quota.setSpec(spec);
    kubectl.resource(quota).create();
    template("llm", gpus(1));
    template("sd", gpus(1));
    template("notebook", t -> { });
    install("alice-llm", "alice", "llm");
    awaitPhase("alice-llm", InstancePhase.Running);

    // one GPU left, asked for at once from two templates, whose reconciles may run side by side
    CompletableFuture<?> a = CompletableFuture.runAsync(() -> install("bob-llm", "bob", "llm"));
    CompletableFuture<?> b = CompletableFuture.runAsync(() -> install("carol-sd", "carol", "sd"));
    a.join();
    b.join();
    install("dan-notebook", "dan", "notebook");

    await().atMost(WAIT).until(() -> (running("bob-llm") && waiting("carol-sd")) || (running("carol-sd") && waiting("bob-llm")));
    String loser = waiting("bob-llm") ? "bob-llm" : "carol-sd";
    assertThat(readyMessage(loser)).contains("AigcQuota team-gpus allows 2 GPU(s)");
    awaitPhase("dan-notebook", InstancePhase.Running); // no GPU, not counted

    // room made in one template starts the waiting instance of the other, whichever it is
    setState("alice-llm", InstanceState.Stopped);
    awaitPhase(loser, InstancePhase.Running);
  }

  @Test
  void raisingANamespaceQuotaStartsTheWaitingInstance() {
    AigcQuota quota = new AigcQuota();
    quota.setMetadata(new ObjectMetaBuilder().withName("per-user").withNamespace(NS).build());
    AigcQuotaSpec spec = new AigcQuotaSpec();
    spec.setGpusPerUser(1);
    quota.setSpec(spec);
    kubectl.resource(quota).create();
    template("llm", gpus(1));
    template("sd", gpus(1));
    install("alice-llm", "alice", "llm");
    awaitPhase("alice-llm", InstancePhase.Running);
    install("alice-sd", "alice", "sd");
    await().atMost(WAIT).until(() -> waiting("alice-sd"));
    assertThat(readyMessage("alice-sd")).contains("AigcQuota per-user allows 1 GPU(s) running at once per user");

    kubectl.resources(AigcQuota.class).inNamespace(NS).withName("per-user").edit(q -> {
      q.getSpec().setGpusPerUser(2);
      return q;
    });
    awaitPhase("alice-sd", InstancePhase.Running);
  }
}
