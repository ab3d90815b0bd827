package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import java.util.List;

/**
 * What an instance's status says, from what the operator sees: the instance, its template, the ID
 * the template's allocation gave it, and the GameServer OKG made for that ID.
 */
public final class InstanceStatusRenderer {
  private InstanceStatusRenderer() {}

  /**
   * @param template the instance's template, null when it does not exist
   * @param id the ID allocated to the instance, null when none is yet
   * @param gameServer the GameServer of that ID, null when there is none
   * @param templateProblem why the template cannot serve instances now (invalid, for example), or null
   * @param now RFC 3339 time for new condition transitions
   */
  public static AigcInstanceStatus render(
      AigcInstance instance, AigcTemplate template, Integer id, GameServer gameServer, String templateProblem, String now) {
    AigcInstanceStatus previous = instance.getStatus() == null ? new AigcInstanceStatus() : instance.getStatus();
    Long generation = instance.getMetadata().getGeneration();
    String templateName = instance.getSpec().getTemplate();

    AigcInstanceStatus status = new AigcInstanceStatus();
    status.setObservedGeneration(generation);
    List<io.fabric8.kubernetes.api.model.Condition> conditions = previous.getConditions();

    if (template == null || template.getSpec() == null || template.getSpec().getDedicated() == null) {
      String reason = template == null ? "TemplateNotFound" : "NoDedicatedMode";
      String message = template == null
          ? "AigcTemplate " + templateName + " does not exist in namespace " + instance.getMetadata().getNamespace()
          : "AigcTemplate " + templateName + " has no spec.dedicated section, so it offers no per-user instances";
      // An instance that already held an ID keeps it in its status, so that its disk can still be found.
      status.setInstanceId(previous.getInstanceId());
      status.setVolumeClaim(previous.getVolumeClaim());
      status.setPhase(instance.getMetadata().getDeletionTimestamp() != null ? InstancePhase.Deleting : InstancePhase.Failed);
      conditions = Conditions.with(conditions, Conditions.READY, false, reason, message, generation, now);
      status.setConditions(conditions);
      return status;
    }

    if (id == null) {
      String message = templateProblem != null
          ? "waiting for AigcTemplate " + templateName + ": " + templateProblem
          : "waiting for an instance ID in GameServerSet " + Names.gameServerSet(templateName);
      status.setPhase(instance.getMetadata().getDeletionTimestamp() != null ? InstancePhase.Deleting : InstancePhase.Pending);
      conditions = Conditions.with(conditions, Conditions.ALLOCATED, false, "WaitingForId", message, generation, now);
      conditions = Conditions.with(conditions, Conditions.READY, false, "Pending", message, generation, now);
      status.setConditions(conditions);
      return status;
    }

    var ingress = template.getSpec().getDedicated().getIngress();
    status.setInstanceId(id);
    status.setGameServer(Names.gameServer(templateName, id));
    status.setVolumeClaim(Names.volumeClaim(templateName, id));
    status.setUrl((ingress.getTlsSecretName() != null ? "https://" : "http://") + ingress.hostFor(id) + "/");
    conditions = Conditions.with(conditions, Conditions.ALLOCATED, true, "IdAllocated",
        "instance ID " + id + " in GameServerSet " + Names.gameServerSet(templateName), generation, now);

    Phase phase = phase(instance, gameServer);
    status.setPhase(phase.phase);
    conditions = Conditions.with(conditions, Conditions.READY, phase.phase == InstancePhase.Running,
        phase.reason, phase.message, generation, now);
    status.setConditions(conditions);
    return status;
  }

  private record Phase(InstancePhase phase, String reason, String message) {}

  private static Phase phase(AigcInstance instance, GameServer gs) {
    String state = gs == null || gs.getStatus() == null ? null : gs.getStatus().getCurrentState();
    if (instance.getMetadata().getDeletionTimestamp() != null) {
      return new Phase(InstancePhase.Deleting, "Deleting",
          gs == null ? "releasing the instance's disk" : "waiting for the instance's pod to stop");
    }
    if (instance.getSpec().getState() == InstanceState.Stopped) {
      return gs == null
          ? new Phase(InstancePhase.Stopped, "Stopped", "stopped; the disk is kept")
          : new Phase(InstancePhase.Stopping, "Stopping", "waiting for the instance's pod to stop");
    }
    // No pod yet and a pod still creating read the same, so that a start costs one status write, not two.
    if (gs == null || state == null || "Creating".equals(state)) {
      return new Phase(InstancePhase.Starting, "Starting", "waiting for the app to start");
    }
    if (GameServerStatus.CRASH.equals(state)) {
      return new Phase(InstancePhase.Failed, "Crash", "the app's container keeps crashing; see the pod's logs");
    }
    var network = gs.getStatus() == null ? null : gs.getStatus().getNetworkStatus();
    boolean networkReady = network == null || network.getCurrentNetworkState() == null
        || GameServerStatus.READY.equals(network.getCurrentNetworkState());
    if (GameServerStatus.READY.equals(state) && networkReady) {
      return new Phase(InstancePhase.Running, "Running", "the app is ready");
    }
    if (GameServerStatus.READY.equals(state)) {
      return new Phase(InstancePhase.Starting, "NetworkNotReady", "the app is ready; waiting for its ingress");
    }
    return new Phase(InstancePhase.Starting, "Starting", "waiting for the app to start (GameServer state " + state + ")");
  }
}
