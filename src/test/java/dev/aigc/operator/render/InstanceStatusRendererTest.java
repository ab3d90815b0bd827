package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

class InstanceStatusRendererTest {
  private static final String T0 = "2026-11-22T10:00:00Z";
  private static final String T1 = "2026-11-22T11:00:00Z";
  private final AigcTemplate template = GameServerSetRendererTest.example("stable-diffusion-cpu");

  private static AigcInstance instance(InstanceState state) {
    return InstanceFixtures.instance(state);
  }

  private static GameServer gs(String state) {
    return InstanceFixtures.gameServer(state);
  }

  @Test
  void aReadyGameServerMakesTheInstanceRunningWithItsUrlAndNames() {
    AigcInstanceStatus s = InstanceStatusRenderer.render(instance(InstanceState.Running), template, 3, gs("Ready"), null, T0);
    assertThat(s.getPhase()).isEqualTo(InstancePhase.Running);
    assertThat(s.getUrl()).isEqualTo("http://instances3-cpu.example.com/");
    assertThat(s.getGameServer()).isEqualTo("stable-diffusion-cpu-3");
    assertThat(s.getVolumeClaim()).isEqualTo("user-data-stable-diffusion-cpu-3");
    assertThat(s.getObservedGeneration()).isEqualTo(3L);
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.READY)).isTrue();
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.ALLOCATED)).isTrue();
  }

  @Test
  void tlsMakesTheUrlHttps() {
    template.getSpec().getDedicated().getIngress().setTlsSecretName("wildcard");
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Ready"), null, T0).getUrl())
        .isEqualTo("https://instances0-cpu.example.com/");
  }

  @Test
  void phasesFollowWhatOkgReports() {
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null, null, T0).getPhase())
        .isEqualTo(InstancePhase.Pending);
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, null, null, T0).getPhase())
        .isEqualTo(InstancePhase.Starting);
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Creating"), null, T0).getPhase())
        .isEqualTo(InstancePhase.Starting);
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Crash"), null, T0).getPhase())
        .isEqualTo(InstancePhase.Failed);
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Stopped), template, 0, gs("Ready"), null, T0).getPhase())
        .isEqualTo(InstancePhase.Stopping);
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Stopped), template, 0, null, null, T0).getPhase())
        .isEqualTo(InstancePhase.Stopped);
    AigcInstance deleting = instance(InstanceState.Running);
    deleting.getMetadata().setDeletionTimestamp(T0);
    assertThat(InstanceStatusRenderer.render(deleting, template, 0, gs("Ready"), null, T0).getPhase())
        .isEqualTo(InstancePhase.Deleting);
  }

  /** A reinstall waiting for the disk its owner's deleted instance leaves says whose deletion it waits for; a template problem comes first. */
  @Test
  void aReinstallWaitingForItsOwnersDiskNamesTheInstanceBeingDeleted() {
    AigcInstanceStatus s = InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null, null, null, null, "alice-sd", T0);
    assertThat(s.getPhase()).isEqualTo(InstancePhase.Pending);
    assertThat(s.getInstanceId()).isNull();
    var reconciling = Conditions.find(s.getConditions(), Conditions.RECONCILING);
    assertThat(reconciling.getReason()).isEqualTo("WaitingForDisk");
    assertThat(reconciling.getMessage()).contains("instance alice-sd of the same owner is being deleted").contains("once alice-sd is gone");
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.READY)).isFalse();

    AigcInstanceStatus broken = InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null, "spec.app.port: required",
        null, null, "alice-sd", T0);
    assertThat(Conditions.find(broken.getConditions(), Conditions.STALLED).getReason()).isEqualTo("TemplateInvalid");
  }

  /** A new instance of a template being deleted (Block waits for its instances) is told so, and Stalled; one with an ID goes on. */
  @Test
  void aNewInstanceOfATemplateBeingDeletedSaysSo() {
    template.getMetadata().setDeletionTimestamp(T0);
    AigcInstanceStatus s = InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null, null, T0);
    assertThat(s.getPhase()).isEqualTo(InstancePhase.Pending);
    var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
    assertThat(stalled.getReason()).isEqualTo("TemplateDeleting");
    assertThat(stalled.getMessage()).contains("stable-diffusion-cpu is being deleted");
    assertThat(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 2, gs("Ready"), null, T0).getPhase())
        .isEqualTo(InstancePhase.Running);
  }

  @Test
  void aMissingTemplateFailsButKeepsTheIdTheInstanceHeld() {
    AigcInstance i = instance(InstanceState.Running);
    AigcInstanceStatus previous = new AigcInstanceStatus();
    previous.setInstanceId(4);
    i.setStatus(previous);
    AigcInstanceStatus s = InstanceStatusRenderer.render(i, null, null, null, null, T0);
    assertThat(s.getPhase()).isEqualTo(InstancePhase.Failed);
    assertThat(s.getInstanceId()).isEqualTo(4);
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getReason()).isEqualTo("TemplateNotFound");
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusStays() {
    AigcInstance i = instance(InstanceState.Running);
    i.setStatus(InstanceStatusRenderer.render(i, template, 0, gs("Ready"), null, T0));
    AigcInstanceStatus again = InstanceStatusRenderer.render(i, template, 0, gs("Ready"), null, T1);
    assertThat(again).isEqualTo(i.getStatus());
    AigcInstanceStatus stopped = InstanceStatusRenderer.render(instance(InstanceState.Stopped), template, 0, null, null, T1);
    assertThat(Conditions.find(stopped.getConditions(), Conditions.READY).getLastTransitionTime()).isEqualTo(T1);
  }

  @Test
  void aTemplateProblemIsShownWhileWaitingForAnId() {
    AigcInstanceStatus s = InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null,
        "spec.dedicated.ingress.host: must contain <id>", T0);
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getMessage()).contains("spec.dedicated.ingress.host");
  }

  private static String progress(AigcInstanceStatus s) {
    for (String type : java.util.List.of(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED)) {
      if (Conditions.isTrue(s.getConditions(), type)) return type + "/" + Conditions.find(s.getConditions(), type).getReason();
    }
    return "none";
  }

  @Test
  void exactlyOneOfReadyReconcilingStalledHoldsAsKstatusReadsIt() {
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Ready"), null, T0)))
        .isEqualTo("Ready/Running");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Stopped), template, 0, null, null, T0)))
        .as("a Stopped instance that is stopped is Ready").isEqualTo("Ready/Stopped");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Stopped), template, 0, gs("Ready"), null, T0)))
        .isEqualTo("Reconciling/Stopping");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Creating"), null, T0)))
        .isEqualTo("Reconciling/Starting");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Running), template, 0, gs("Crash"), null, T0)))
        .isEqualTo("Stalled/Crash");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Running), null, null, null, null, T0)))
        .isEqualTo("Stalled/TemplateNotFound");
    assertThat(progress(InstanceStatusRenderer.render(instance(InstanceState.Running), template, null, null, "bad host", T0)))
        .isEqualTo("Stalled/TemplateInvalid");
  }

  @Test
  void theIdIsNeverErasedOnceWritten() {
    AigcInstance i = instance(InstanceState.Running);
    i.setStatus(InstanceStatusRenderer.render(i, template, 5, gs("Ready"), null, T0));
    for (AigcTemplate t : java.util.Arrays.asList(template, null)) {
      AigcInstanceStatus s = InstanceStatusRenderer.render(i, t, null, null, null, T1);
      assertThat(s.getInstanceId()).isEqualTo(5);
      assertThat(s.getVolumeClaim()).isEqualTo("user-data-stable-diffusion-cpu-5");
    }
  }

  @Test
  void okgsKillStopsTheInstanceUntilItsSpecChanges() {
    AigcInstance i = instance(InstanceState.Running);
    GameServer kill = gs("Ready");
    kill.setSpec(new dev.aigc.operator.okg.GameServerSpec());
    kill.getSpec().setOpsState("Kill");
    i.setStatus(InstanceStatusRenderer.render(i, template, 1, kill, null, T0));
    assertThat(i.getStatus().getKilledGeneration()).isEqualTo(3L);
    assertThat(InstanceClaim.of(i).wantsToRun()).isFalse();

    AigcInstanceStatus gone = InstanceStatusRenderer.render(i, template, 1, null, null, T1);
    assertThat(gone.getPhase()).isEqualTo(InstancePhase.Stopped);
    assertThat(progress(gone)).isEqualTo("Stalled/Killed");

    i.getMetadata().setGeneration(4L);
    assertThat(InstanceClaim.of(i).wantsToRun()).as("a new spec generation runs it again").isTrue();
  }

  @Test
  void aSuspendedInstanceIsReadyOnceItsGameServerIsGoneAndReconcilingWhileItIsThere() {
    AigcInstance i = instance(InstanceState.Running);
    i.setStatus(InstanceStatusRenderer.render(i, template, 2, gs("Ready"), null, T0));
    i.getStatus().setLastActivity(T0);
    IdleSuspension.Verdict suspended = new IdleSuspension.Verdict(T1, new IdleSuspension.Limit("30m", java.time.Duration.ofMinutes(30), null),
        null, IdleSuspension.Change.SUSPENDED);

    AigcInstanceStatus suspending = InstanceStatusRenderer.render(i, template, 2, gs("Ready"), null, null, suspended, T1);
    assertThat(suspending.getPhase()).isEqualTo(InstancePhase.Suspended);
    assertThat(progress(suspending)).isEqualTo("Reconciling/Suspending");
    assertThat(suspending.getSuspendedAt()).isEqualTo(T1);
    assertThat(suspending.getSuspendAfter()).isEqualTo("30m");

    i.setStatus(suspending);
    AigcInstanceStatus done = InstanceStatusRenderer.render(i, template, 2, null, null, null, suspended, T1);
    assertThat(done.getPhase()).isEqualTo(InstancePhase.Suspended);
    assertThat(progress(done)).as("a suspended instance rests where its spec asks: Ready, as kstatus reads it").isEqualTo("Ready/Suspended");
    assertThat(Conditions.find(done.getConditions(), Conditions.READY).getMessage())
        .contains("30m", "http://instances2-cpu.example.com/", "wakes it");
    assertThat(done.getInstanceId()).isEqualTo(2);
    assertThat(done.getVolumeClaim()).isEqualTo("user-data-stable-diffusion-cpu-2");
    assertThat(done.getLastActivity()).as("the gateway's field is carried, never changed").isEqualTo(T0);
  }

  @Test
  void aWokenInstanceStartsAgainWithoutItsSuspension() {
    AigcInstance i = instance(InstanceState.Running);
    i.setStatus(InstanceStatusRenderer.render(i, template, 2, null, null, T0));
    i.getStatus().setSuspendedAt(T0);
    i.getStatus().setPhase(InstancePhase.Suspended);
    IdleSuspension.Verdict woken = new IdleSuspension.Verdict(null, new IdleSuspension.Limit("30m", java.time.Duration.ofMinutes(30), null),
        null, IdleSuspension.Change.WOKEN);
    AigcInstanceStatus s = InstanceStatusRenderer.render(i, template, 2, null, null, null, woken, T1);
    assertThat(s.getPhase()).isEqualTo(InstancePhase.Starting);
    assertThat(s.getSuspendedAt()).isNull();
    assertThat(s.getInstanceId()).isEqualTo(2);
  }
}
