package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.render.Conditions.Progress;
import java.util.List;

/**
 * What an instance's status says, from what the operator sees: the instance, its template, the ID
 * its disk records, and the GameServer OKG made for that ID. Ready/Reconciling/Stalled follow
 * kstatus (DESIGN invariant 11): a Stopped instance that is stopped is Ready.
 */
public final class InstanceStatusRenderer {
  private InstanceStatusRenderer() {}

  /**
   * @param template the instance's template, null when it does not exist
   * @param id the ID the instance holds (its disk's record), null when none is yet
   * @param gameServer the GameServer of that ID, null when there is none; its opsState Kill stops the
   *     instance (OKG lowers replicas itself; the operator follows instead of fighting it)
   * @param templateProblem why the template cannot serve instances now (invalid, for example), or null
   * @param now RFC 3339 time for new condition transitions
   */
  public static AigcInstanceStatus render(
      AigcInstance instance, AigcTemplate template, Integer id, GameServer gameServer, String templateProblem, String now) {
    return render(instance, template, id, gameServer, templateProblem, null, now);
  }

  /**
   * @param quotaProblem the quota this instance waits for ({@link QuotaAdmission}), or null when it may run
   */
  public static AigcInstanceStatus render(AigcInstance instance, AigcTemplate template, Integer id, GameServer gameServer,
      String templateProblem, String quotaProblem, String now) {
    return render(instance, template, id, gameServer, templateProblem, quotaProblem, null, now);
  }

  /**
   * @param idle whether it is suspended for idleness and the limit that applies ({@link IdleSuspension}), or null
   */
  public static AigcInstanceStatus render(AigcInstance instance, AigcTemplate template, Integer id, GameServer gameServer,
      String templateProblem, String quotaProblem, IdleSuspension.Verdict idle, String now) {
    return render(instance, template, id, gameServer, templateProblem, quotaProblem, idle, null, now);
  }

  /**
   * @param diskComingFrom the owner's instance of the same template that is being deleted and
   *     leaves its disk to this one (data restore), when this one has no ID yet; else null
   */
  public static AigcInstanceStatus render(AigcInstance instance, AigcTemplate template, Integer id, GameServer gameServer,
      String templateProblem, String quotaProblem, IdleSuspension.Verdict idle, String diskComingFrom, String now) {
    AigcInstanceStatus previous = instance.getStatus() == null ? new AigcInstanceStatus() : instance.getStatus();
    Long generation = instance.getMetadata().getGeneration();
    String templateName = instance.getSpec().getTemplate();
    boolean deleting = instance.getMetadata().getDeletionTimestamp() != null;

    AigcInstanceStatus status = new AigcInstanceStatus();
    status.setObservedGeneration(generation);
    status.setLastRestart(previous.getLastRestart());
    // the gateway's field, carried as it is (the operator's writes leave it out: see AigcInstanceReconciler)
    status.setLastActivity(previous.getLastActivity());
    boolean suspended = idle != null && idle.suspended();
    if (idle != null) {
      status.setSuspendedAt(idle.suspendedAt());
      status.setSuspendAfter(idle.limit() == null ? null : idle.limit().text());
    }
    boolean killRequested = gameServer != null && gameServer.getSpec() != null && "Kill".equals(gameServer.getSpec().getOpsState())
        && instance.getSpec().getState() != InstanceState.Stopped;
    if (killRequested || previous.killedAt(generation)) status.setKilledGeneration(generation);
    List<io.fabric8.kubernetes.api.model.Condition> conditions = previous.getConditions();
    // status.instanceId is written once: nothing below may erase it (invariant 3)
    if (id == null) id = previous.getInstanceId();
    if (id != null) {
      status.setInstanceId(id);
      status.setGameServer(Names.gameServer(templateName, id));
      status.setVolumeClaim(Names.volumeClaim(templateName, id));
      status.setUrl(previous.getUrl());
    }

    Phase phase;
    if (deleting) {
      phase = new Phase(InstancePhase.Deleting, Progress.RECONCILING, "Deleting", "releasing the instance");
    } else if (template == null) {
      phase = new Phase(InstancePhase.Failed, Progress.STALLED, "TemplateNotFound",
          "AigcTemplate " + templateName + " does not exist in namespace " + instance.getMetadata().getNamespace()
              + (id == null ? "" : "; ID " + id + " and its disk are kept"));
    } else if (template.getSpec() == null || template.getSpec().getDedicated() == null) {
      phase = new Phase(InstancePhase.Failed, Progress.STALLED, "NoDedicatedMode",
          "AigcTemplate " + templateName + " has no spec.dedicated section, so it offers no per-user instances"
              + (id == null ? "" : "; ID " + id + " and its disk are kept"));
    } else if (quotaProblem != null && templateProblem == null && gameServer == null
        && instance.getSpec().getState() != InstanceState.Stopped) {
      // a human can make room (stop an instance, raise the quota); meanwhile it waits its turn
      phase = new Phase(InstancePhase.Pending, Progress.STALLED, "QuotaExceeded",
          quotaProblem + "; it starts by itself when room frees up (first come, first served)");
    } else if (id == null && template.getMetadata() != null && template.getMetadata().getDeletionTimestamp() != null) {
      phase = new Phase(InstancePhase.Pending, Progress.STALLED, "TemplateDeleting",
          "AigcTemplate " + templateName + " is being deleted: no new instance starts; delete this one, or it starts once the "
              + "template is created again");
    } else if (id == null && templateProblem == null && diskComingFrom != null) {
      // normally a moment; for as long as something else holds that deletion (a finalizer not ours)
      phase = new Phase(InstancePhase.Pending, Progress.RECONCILING, "WaitingForDisk",
          "instance " + diskComingFrom + " of the same owner is being deleted and keeps its disk: this instance gets that disk,"
              + " with its data, once " + diskComingFrom + " is gone");
    } else if (id == null) {
      phase = templateProblem != null
          ? new Phase(InstancePhase.Pending, Progress.STALLED, "TemplateInvalid", "AigcTemplate " + templateName + ": " + templateProblem)
          : new Phase(InstancePhase.Pending, Progress.RECONCILING, "WaitingForId",
              "waiting for an instance ID in GameServerSet " + Names.gameServerSet(templateName));
    } else {
      var ingress = template.getSpec().getDedicated().getIngress();
      status.setUrl((ingress.getTlsSecretName() != null ? "https://" : "http://") + ingress.hostFor(id) + "/");
      phase = status.killedAt(generation)
          ? new Phase(gameServer == null ? InstancePhase.Stopped : InstancePhase.Stopping, Progress.STALLED, "Killed",
              "OKG killed the pod (GameServer opsState Kill); stop and start the instance, or restart it, to run it again")
          : suspended ? suspendedPhase(gameServer, status.getUrl(), idle)
          : phase(instance, gameServer, templateProblem);
    }
    status.setPhase(phase.phase);
    if (id != null) {
      conditions = Conditions.with(conditions, Conditions.ALLOCATED, true, "IdAllocated",
          "instance ID " + id + " in GameServerSet " + Names.gameServerSet(templateName), generation, now);
    }
    status.setConditions(Conditions.withProgress(conditions, phase.progress, phase.reason, phase.message, generation, now));
    return status;
  }

  private record Phase(InstancePhase phase, Progress progress, String reason, String message) {}

  /** Suspended is where a Running instance rests while unused: Ready, as kstatus reads it, once its pod is gone. */
  private static Phase suspendedPhase(GameServer gs, String url, IdleSuspension.Verdict idle) {
    String why = "suspended at " + idle.suspendedAt() + " after " + (idle.limit() == null ? "its idle limit" : idle.limit().text()) + " without use";
    return gs == null
        ? new Phase(InstancePhase.Suspended, Progress.READY, "Suspended", why + "; its disk is kept, and opening " + url + " wakes it")
        : new Phase(InstancePhase.Suspended, Progress.RECONCILING, "Suspending", why + "; waiting for its pod to stop");
  }

  private static Phase phase(AigcInstance instance, GameServer gs, String templateProblem) {
    String state = gs == null || gs.getStatus() == null ? null : gs.getStatus().getCurrentState();
    if (instance.getSpec().getState() == InstanceState.Stopped) {
      return gs == null
          ? new Phase(InstancePhase.Stopped, Progress.READY, "Stopped", "stopped; the disk is kept")
          : new Phase(InstancePhase.Stopping, Progress.RECONCILING, "Stopping", "waiting for the instance's pod to stop");
    }
    if (gs == null && templateProblem != null) {
      return new Phase(InstancePhase.Starting, Progress.STALLED, "TemplateInvalid", "cannot start: " + templateProblem);
    }
    // No pod yet and a pod still creating read the same, so that a start costs one status write, not two.
    if (gs == null || state == null || "Creating".equals(state) || "Deleting".equals(state)) {
      return new Phase(InstancePhase.Starting, Progress.RECONCILING, "Starting", "waiting for the app to start");
    }
    if (GameServerStatus.CRASH.equals(state)) {
      return new Phase(InstancePhase.Failed, Progress.STALLED, "Crash", "the app's container keeps crashing; see the pod's logs");
    }
    var network = gs.getStatus() == null ? null : gs.getStatus().getNetworkStatus();
    boolean networkReady = network == null || network.getCurrentNetworkState() == null
        || GameServerStatus.READY.equals(network.getCurrentNetworkState());
    if (GameServerStatus.READY.equals(state) && networkReady) {
      return new Phase(InstancePhase.Running, Progress.READY, "Running", "the app is ready");
    }
    if (GameServerStatus.READY.equals(state)) {
      return new Phase(InstancePhase.Starting, Progress.RECONCILING, "NetworkNotReady", "the app is ready; waiting for its ingress");
    }
    return new Phase(InstancePhase.Starting, Progress.RECONCILING, "Starting",
        "waiting for the app to start (GameServer state " + state + ")");
  }
}
