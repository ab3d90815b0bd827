package dev.aigc.operator.reconcile;

import dev.aigc.operator.sim.ShiftedClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.ComputeSpec;
import dev.aigc.operator.api.IdleSpec;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.api.QuotaSpec;
import dev.aigc.operator.api.UpgradePolicy;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.GameServerSetUpdate;
import dev.aigc.operator.render.UpgradeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Idle suspension end to end (real reconcilers, OKG simulator): the operator's clock is moved instead
 * of waiting half an hour, and the gateway's part is played by writing status.lastActivity as it does
 * (a JSON merge patch on the status subresource).
 */
class IdleIT extends OperatorTestBase {
  private static final String V1 = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.0-cpu";
  private static final String V2 = "yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.1-cpu";
  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final Duration LAG = dev.aigc.operator.render.IdleSuspension.PUBLISH_LAG;

  private final ShiftedClock clock = new ShiftedClock();
  private Telemetry telemetry;
  private ClientFaults faults;

  @Override
  void startOperator() {
    telemetry = Telemetry.prometheus();
    faults = new ClientFaults(cluster);
    operatorClient = faults.newClient();
    operator = new AigcOperator(operatorClient, SETTINGS, telemetry, clock).start();
  }

  @Test
  void suspendedAtItsLimitNotBeforeHoldingItsIdAndDiskAndWokenByActivityWithBoth() {
    applyGpuTemplateThatIdles();
    install("alice-sd", "alice");
    AigcInstance running = awaitPhase("alice-sd", InstancePhase.Running);
    int id = running.getStatus().getInstanceId();
    String diskUid = disk(id).getMetadata().getUid();
    assertThat(running.getStatus().getSuspendAfter()).isEqualTo("30m");

    Instant active = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    publishActivity("alice-sd", active);

    // a second before the limit, counted from the published activity plus the publishing lag
    clock.moveTo(active.plus(LIMIT).plus(LAG).minusSeconds(1));
    AigcInstance looked = pokeSpec("alice-sd", i -> i.getSpec().setSuspendAfter("30m"));
    assertThat(looked.getStatus().getPhase()).isEqualTo(InstancePhase.Running);
    assertThat(looked.getStatus().getSuspendedAt()).isNull();
    assertThat(podExists(id)).isTrue();
    String specBefore = Serialization.asJson(looked.getSpec());
    long generationBefore = looked.getMetadata().getGeneration();

    clock.moveTo(active.plus(LIMIT).plus(LAG).plusSeconds(1));
    poke("alice-sd");
    AigcInstance suspended = awaitSuspendedAndReady("alice-sd");
    assertThat(suspended.getStatus().getSuspendedAt()).isNotNull();
    assertThat(suspended.getStatus().getInstanceId()).isEqualTo(id);
    assertThat(GameServerSetUpdate.reservedIds(gameServerSet())).contains(id);
    assertThat(gameServerSet().getSpec().getReplicas()).isZero();
    await().atMost(WAIT).until(() -> !podExists(id));
    assertThat(disk(id).getMetadata().getUid()).as("the disk is kept").isEqualTo(diskUid);
    assertThat(event("alice-sd", "Suspended").getMessage()).contains("suspendAfter 30m", "user-data-" + TEMPLATE + "-" + id);
    // invariant 5: the spec is the user's; the operator wrote status only
    assertThat(suspended.getMetadata().getGeneration()).isEqualTo(generationBefore);
    assertThat(Serialization.asJson(suspended.getSpec())).isEqualTo(specBefore);
    assertThat(suspended.getSpec().getState()).isNotEqualTo(InstanceState.Stopped);
    assertThat(suspended.getStatus().getLastActivity()).as("the gateway's field, untouched").isEqualTo(active.toString());

    // an hour later its owner opens it: the gateway publishes activity newer than the suspension
    clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
    Instant opened = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    publishActivity("alice-sd", opened);
    AigcInstance woken = awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(woken.getStatus().getInstanceId()).isEqualTo(id);
    assertThat(woken.getStatus().getSuspendedAt()).isNull();
    assertThat(disk(id).getMetadata().getUid()).isEqualTo(diskUid);
    assertThat(GameServerSetUpdate.reservedIds(gameServerSet())).doesNotContain(id);
    assertThat(gameServerSet().getSpec().getReplicas()).isEqualTo(1);
    assertThat(event("alice-sd", "Woken").getMessage()).contains(opened.toString());
    assertThat(woken.getStatus().getLastActivity()).as("kept through Suspended, Starting and Running writes").isEqualTo(opened.toString());
    assertThat(woken.getMetadata().getGeneration()).isEqualTo(generationBefore);
    assertThat(Serialization.asJson(woken.getSpec())).isEqualTo(specBefore);

    String metrics = telemetry.scrape();
    assertThat(metric(metrics, "aigc_idle_suspensions_total")).isEqualTo(1.0);
    assertThat(metric(metrics, "aigc_idle_wakes_total")).isEqualTo(1.0);
    assertThat(metric(metrics, "aigc_idle_gpu_hours_saved_total")).as("one GPU for an hour").isBetween(0.99, 1.1);
  }

  /**
   * The write that ends a suspension can fail and be retried (a 403, say from an admission webhook's
   * hiccup: JOSDK retries a 409 or 422 on the finalizer itself, anything else by running the cleanup
   * again): the GPU-hours the suspension gave back are counted once, for a wake and for a deletion.
   */
  @Test
  void gpuHoursGivenBackAreCountedOnceWhenTheWriteEndingASuspensionIsRetried() {
    applyGpuTemplateThatIdles();
    install("alice-sd", "alice");
    install("bob-sd", "bob");
    awaitPhase("alice-sd", InstancePhase.Running);
    awaitPhase("bob-sd", InstancePhase.Running);
    clock.moveTo(clock.instant().plus(LIMIT).plus(LAG).plusSeconds(1));
    poke("alice-sd");
    poke("bob-sd");
    awaitSuspendedAndReady("alice-sd");
    awaitSuspendedAndReady("bob-sd");
    clock.moveTo(clock.instant().plus(Duration.ofHours(1)));

    // alice wakes it; the operator's first status write after that fails
    faults.failNext("PATCH", p -> p.endsWith("/aigcinstances/alice-sd/status"), 403, "alice's wake status write");
    publishActivity("alice-sd", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    awaitPhase("alice-sd", InstancePhase.Running);
    // bob's is deleted; the operator's removal of its finalizer fails once
    faults.failNext("PATCH", p -> p.endsWith("/aigcinstances/bob-sd"), 403, "bob's finalizer removal");
    cluster.client().resources(AigcInstance.class).inNamespace(NS).withName("bob-sd").delete();
    awaitGone("bob-sd");

    assertThat(faults.pendingFaults()).as("both faults were met").isEmpty();
    assertThat(metric(telemetry.scrape(), "aigc_idle_gpu_hours_saved_total")).as("two GPUs for an hour each, once")
        .isBetween(1.99, 2.1);
  }

  @Test
  void publishedActivityPostponesTheSuspension() {
    applyTemplate(t -> t.getSpec().getDedicated().setIdle(idle("30m", null, null)));
    install("alice-sd", "alice");
    Instant since = runningSince(awaitPhase("alice-sd", InstancePhase.Running));

    // she works for 20 minutes; the gateway publishes it
    Instant active = since.plus(Duration.ofMinutes(20));
    clock.moveTo(active);
    publishActivity("alice-sd", active);

    clock.moveTo(since.plus(LIMIT).plusSeconds(5));
    AigcInstance looked = pokeSpec("alice-sd", i -> i.getSpec().setSuspendAfter("30m"));
    assertThat(looked.getStatus().getPhase()).as("30 minutes after the start, 10 after her last request").isEqualTo(InstancePhase.Running);

    clock.moveTo(active.plus(LIMIT).plus(LAG).plusSeconds(1));
    poke("alice-sd");
    awaitSuspendedAndReady("alice-sd");
  }

  @Test
  void anInstancesOwnLimitAppliesWithinTheBoundsAndIsBroughtToTheNearestOtherwise() {
    applyTemplate(t -> t.getSpec().getDedicated().setIdle(idle("30m", "10m", "2h")));
    installWith("alice-sd", "alice", "1h");
    installWith("bob-sd", "bob", "5h");
    Instant alice = runningSince(awaitPhase("alice-sd", InstancePhase.Running));
    Instant bob = runningSince(awaitPhase("bob-sd", InstancePhase.Running));
    await().atMost(WAIT).until(() -> "2h".equals(instance("bob-sd").getStatus().getSuspendAfter()));
    assertThat(instance("alice-sd").getStatus().getSuspendAfter()).isEqualTo("1h");
    assertThat(event("bob-sd", "SuspendAfterAdjusted").getMessage()).contains("5h", "2h applies");
    assertThat(events("alice-sd", "SuspendAfterAdjusted")).as("within bounds: nothing to say").isZero();

    Instant later = alice.isAfter(bob) ? alice : bob;
    clock.moveTo(later.plus(Duration.ofHours(1)).plusSeconds(1));
    poke("alice-sd");
    awaitSuspendedAndReady("alice-sd");
    AigcInstance stillRunning = pokeSpec("bob-sd", i -> i.getSpec().setSuspendAfter("6h"));
    assertThat(stillRunning.getStatus().getPhase()).isEqualTo(InstancePhase.Running);

    clock.moveTo(bob.plus(Duration.ofHours(2)).plusSeconds(1));
    poke("bob-sd");
    awaitSuspendedAndReady("bob-sd");
    assertThat(events("bob-sd", "SuspendAfterAdjusted")).as("said once per change of the limit that applies").isEqualTo(1);
  }

  @Test
  void aSuspendedInstanceFreesItsQuotaSlotAndAWakeWaitsForRoom() {
    applyTemplate(t -> {
      t.getSpec().getDedicated().setIdle(idle("30m", null, null));
      QuotaSpec quota = new QuotaSpec();
      quota.setMaxRunning(1);
      t.getSpec().getDedicated().setQuota(quota);
    });
    install("alice-sd", "alice");
    Instant since = runningSince(awaitPhase("alice-sd", InstancePhase.Running));
    int aliceId = instance("alice-sd").getStatus().getInstanceId();
    install("bob-sd", "bob");
    await().atMost(WAIT).until(() -> quotaWaiting("bob-sd"));

    clock.moveTo(since.plus(LIMIT).plusSeconds(1));
    poke("alice-sd");
    awaitSuspendedAndReady("alice-sd");
    awaitPhase("bob-sd", InstancePhase.Running);

    Instant opened = clock.instant();
    publishActivity("alice-sd", opened);
    await().atMost(WAIT).until(() -> quotaWaiting("alice-sd"));
    assertThat(instance("alice-sd").getStatus().getSuspendedAt()).as("woken, waiting its turn").isNull();
    assertThat(instance("bob-sd").getStatus().getPhase()).isEqualTo(InstancePhase.Running);

    setState("bob-sd", InstanceState.Stopped);
    AigcInstance alice = awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(alice.getStatus().getInstanceId()).isEqualTo(aliceId);
    assertThat(alice.getStatus().getLastActivity()).as("kept through Pending and Starting").isEqualTo(opened.toString());
  }

  @Test
  void whenIdleUpdatesWaitWhileTheOwnerIsActiveAndArriveWithTheWake() {
    applyTemplate(t -> {
      t.getSpec().getDedicated().setIdle(idle("30m", null, null));
      t.getSpec().setUpgradePolicy(UpgradePolicy.WhenIdle);
    });
    install("alice-sd", "alice");
    AigcInstance running = awaitPhase("alice-sd", InstancePhase.Running);
    int id = running.getStatus().getInstanceId();
    String pod = pod(id).getMetadata().getUid();
    Instant active = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    publishActivity("alice-sd", active);

    editTemplate(t -> t.getSpec().getApp().setImage(V2));
    Condition waiting = awaitUpdate("alice-sd", true);
    assertThat(waiting.getReason()).isEqualTo(UpgradeStatus.RESTART_TO_UPDATE);
    assertThat(waiting.getMessage()).contains("applied when the instance is next suspended for idleness");
    assertThat(pod(id).getMetadata().getUid()).as("not while its owner is active").isEqualTo(pod);
    assertThat(image(id)).isEqualTo(V1);

    clock.moveTo(active.plus(LIMIT).plus(LAG).plusSeconds(1));
    poke("alice-sd");
    awaitSuspendedAndReady("alice-sd");
    await().atMost(WAIT).until(() -> !podExists(id));

    publishActivity("alice-sd", clock.instant());
    awaitUpdate("alice-sd", false);
    assertThat(image(id)).isEqualTo(V2);
    assertThat(pod(id).getMetadata().getUid()).isNotEqualTo(pod);
    assertThat(instance("alice-sd").getStatus().getInstanceId()).isEqualTo(id);
  }

  // --- steps ---

  private static IdleSpec idle(String suspendAfter, String min, String max) {
    return IdleSpec.of(suspendAfter, min, max);
  }

  /** Idles after 30 minutes, with a GPU: a GPU makes the saved GPU-hours move. */
  private void applyGpuTemplateThatIdles() {
    applyTemplate(t -> {
      t.getSpec().getDedicated().setIdle(idle("30m", null, null));
      ComputeSpec gpu = new ComputeSpec();
      gpu.setGpu(1);
      t.getSpec().setCompute(gpu);
    });
  }

  private void applyTemplate(Consumer<AigcTemplate> change) {
    AigcTemplate template = load(java.nio.file.Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    change.accept(template);
    kubectl.resource(template).create();
  }

  private void installWith(String name, String owner, String suspendAfter) {
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    dev.aigc.operator.api.AigcInstanceSpec spec = new dev.aigc.operator.api.AigcInstanceSpec();
    spec.setTemplate(TEMPLATE);
    spec.setOwner(owner);
    spec.setSuspendAfter(suspendAfter);
    instance.setSpec(spec);
    kubectl.resource(instance).create();
  }

  /** What the gateway's ActivityPublisher writes: status.lastActivity alone, as a JSON merge patch on the status subresource. */
  private void publishActivity(String name, Instant when) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"lastActivity\":\"" + when + "\"}}");
    assertThat(instance(name).getStatus().getLastActivity()).isEqualTo(when.toString());
  }

  /** Makes the instance reconciler look again now (an annotation change), after the clock moved. */
  private void poke(String name) {
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
      if (i.getMetadata().getAnnotations() == null) i.getMetadata().setAnnotations(new java.util.HashMap<>());
      i.getMetadata().getAnnotations().put("test.aigc.dev/poke", UUID.randomUUID().toString());
      return i;
    });
  }

  /**
   * A spec edit, which the operator acknowledges with status.observedGeneration in the same write as
   * its idle decision: returns the instance once the operator has looked at it with the clock as it is.
   */
  private AigcInstance pokeSpec(String name, Consumer<AigcInstance> change) {
    AigcInstance edited = kubectl.resources(AigcInstance.class).inNamespace(NS).withName(name).edit(i -> {
      change.accept(i);
      if (i.getMetadata().getAnnotations() == null) i.getMetadata().setAnnotations(new java.util.HashMap<>());
      i.getMetadata().getAnnotations().put("test.aigc.dev/poke", UUID.randomUUID().toString());
      return i;
    });
    long generation = edited.getMetadata().getGeneration();
    await().atMost(WAIT).until(() -> Long.valueOf(generation).equals(instance(name).getStatus().getObservedGeneration()));
    return instance(name);
  }

  private AigcInstance awaitSuspendedAndReady(String name) {
    await().atMost(WAIT).until(() -> {
      AigcInstance i = instance(name);
      return i.getStatus().getPhase() == InstancePhase.Suspended
          && "Suspended".equals(Conditions.find(i.getStatus().getConditions(), Conditions.READY).getReason())
          && Conditions.isTrue(i.getStatus().getConditions(), Conditions.READY);
    });
    return instance(name);
  }

  private static Instant runningSince(AigcInstance instance) {
    return Instant.parse(Conditions.find(instance.getStatus().getConditions(), Conditions.READY).getLastTransitionTime());
  }

  private boolean quotaWaiting(String name) {
    AigcInstance i = instance(name);
    var stalled = i == null || i.getStatus() == null ? null : Conditions.find(i.getStatus().getConditions(), Conditions.STALLED);
    return i != null && i.getStatus().getPhase() == InstancePhase.Pending && stalled != null
        && Conditions.TRUE.equals(stalled.getStatus()) && "QuotaExceeded".equals(stalled.getReason());
  }

  private io.fabric8.kubernetes.api.model.Event event(String instance, String reason) {
    await().atMost(WAIT).until(() -> events(instance, reason) > 0);
    return kubectl.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()) && instance.equals(e.getInvolvedObject().getName())).findFirst().orElseThrow();
  }

  private long events(String instance, String reason) {
    return kubectl.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()) && instance.equals(e.getInvolvedObject().getName()))
        .mapToLong(e -> e.getCount() == null ? 1 : e.getCount()).sum();
  }

  private Pod pod(int id) {
    return kubectl.pods().inNamespace(NS).withName(TEMPLATE + "-" + id).get();
  }

  private String image(int id) {
    return pod(id).getSpec().getContainers().get(0).getImage();
  }

  /** A sample's value in Prometheus text, or -1 when absent. */
  private static double metric(String scrape, String name) {
    return scrape.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }
}
