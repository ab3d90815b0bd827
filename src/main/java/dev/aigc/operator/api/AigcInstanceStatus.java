package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AigcInstanceStatus {
  private InstancePhase phase;
  private Integer instanceId;
  private String url;
  private String gameServer;
  private String volumeClaim;
  private List<Condition> conditions = new ArrayList<>();
  private Long observedGeneration;
  /** The last restart request (annotation aigc.dev/restart-requested-at) the operator carried out. */
  private String lastRestart;
  /**
   * OKG killed this instance's pod (its GameServer's opsState was Kill) while the spec was at this
   * generation: it stays stopped until the spec changes or a restart is asked for.
   */
  private Long killedGeneration;
  /** The template generation whose pod template this instance's pod was made from (absent without a pod). */
  private Long templateGeneration;
  /**
   * When its owner last reached it through the gateway (RFC 3339), published by the gateway at most
   * once a minute (at once to wake a suspended instance). The gateway's field: the operator never writes it.
   */
  private String lastActivity;
  /** When the operator suspended it for idleness (RFC 3339); absent while it is not suspended. */
  private String suspendedAt;
  /** The idle limit that applies to it (the template's, or its own within the template's bounds); absent: none. */
  private String suspendAfter;

  public InstancePhase getPhase() { return phase; }
  public void setPhase(InstancePhase phase) { this.phase = phase; }
  public Integer getInstanceId() { return instanceId; }
  public void setInstanceId(Integer instanceId) { this.instanceId = instanceId; }
  public String getUrl() { return url; }
  public void setUrl(String url) { this.url = url; }
  public String getGameServer() { return gameServer; }
  public void setGameServer(String gameServer) { this.gameServer = gameServer; }
  public String getVolumeClaim() { return volumeClaim; }
  public void setVolumeClaim(String volumeClaim) { this.volumeClaim = volumeClaim; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public String getLastRestart() { return lastRestart; }
  public void setLastRestart(String lastRestart) { this.lastRestart = lastRestart; }
  public Long getTemplateGeneration() { return templateGeneration; }
  public void setTemplateGeneration(Long templateGeneration) { this.templateGeneration = templateGeneration; }
  public String getLastActivity() { return lastActivity; }
  public void setLastActivity(String lastActivity) { this.lastActivity = lastActivity; }
  public String getSuspendedAt() { return suspendedAt; }
  public void setSuspendedAt(String suspendedAt) { this.suspendedAt = suspendedAt; }
  public String getSuspendAfter() { return suspendAfter; }
  public void setSuspendAfter(String suspendAfter) { this.suspendAfter = suspendAfter; }
  public Long getKilledGeneration() { return killedGeneration; }
  public void setKilledGeneration(Long killedGeneration) { this.killedGeneration = killedGeneration; }

  /** Whether a kill by OKG holds the instance stopped at {@code generation}. */
  public boolean killedAt(Long generation) {
    return killedGeneration != null && killedGeneration.equals(generation);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AigcInstanceStatus s)) return false;
    return phase == s.phase
        && Objects.equals(instanceId, s.instanceId)
        && Objects.equals(url, s.url)
        && Objects.equals(gameServer, s.gameServer)
        && Objects.equals(volumeClaim, s.volumeClaim)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(lastRestart, s.lastRestart)
        && Objects.equals(killedGeneration, s.killedGeneration)
        && Objects.equals(templateGeneration, s.templateGeneration)
        && Objects.equals(lastActivity, s.lastActivity)
        && Objects.equals(suspendedAt, s.suspendedAt)
        && Objects.equals(suspendAfter, s.suspendAfter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, instanceId, url, gameServer, volumeClaim, conditions, observedGeneration, lastRestart, killedGeneration,
        templateGeneration, lastActivity, suspendedAt, suspendAfter);
  }
}
