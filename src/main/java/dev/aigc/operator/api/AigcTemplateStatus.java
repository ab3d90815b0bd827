package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AigcTemplateStatus {
  private Long observedGeneration;
  private List<Condition> conditions = new ArrayList<>();
  /** "dedicated", "shared" or "dedicated,shared", for kubectl's MODES column. */
  private String modes;
  private String gameServerSet;
  private String sharedUrl;
  /** Instances of this template, and how many of them should run. */
  private Integer instances;
  private Integer running;
  /** Disks kept for owners whose instances are gone; each goes back to its owner on reinstall. */
  private Integer retainedDisks;
  /** Disks under this template's names that name no owner (for example AIGC-Gateway's): held, never handed out. */
  private Integer unclaimedDisks;
  /** Running instances whose pod runs an older pod template than the GameServerSet's (an update waits). */
  private Integer outdatedInstances;
  /** Instances that want to run but wait for a quota (each says which in its status); absent: none. */
  private Integer waitingForQuota;
  /**
   * The template generation the GameServerSet's pod template was rendered from: the last one that
   * changed the pod template (a change to, say, the display name does not make instances outdated).
   */
  private Long dedicatedGeneration;
  /** A fingerprint of the GameServerSet's pod template by part, to tell outdated instances what changed. */
  private String dedicatedParts;
  /** The template generation the Knative Service's revision template was rendered from. */
  private Long sharedGeneration;

  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public String getModes() { return modes; }
  public void setModes(String modes) { this.modes = modes; }
  public String getGameServerSet() { return gameServerSet; }
  public void setGameServerSet(String gameServerSet) { this.gameServerSet = gameServerSet; }
  public String getSharedUrl() { return sharedUrl; }
  public void setSharedUrl(String sharedUrl) { this.sharedUrl = sharedUrl; }
  public Integer getInstances() { return instances; }
  public void setInstances(Integer instances) { this.instances = instances; }
  public Integer getRunning() { return running; }
  public void setRunning(Integer running) { this.running = running; }
  public Integer getRetainedDisks() { return retainedDisks; }
  public void setRetainedDisks(Integer retainedDisks) { this.retainedDisks = retainedDisks; }
  public Integer getUnclaimedDisks() { return unclaimedDisks; }
  public void setUnclaimedDisks(Integer unclaimedDisks) { this.unclaimedDisks = unclaimedDisks; }
  public Integer getWaitingForQuota() { return waitingForQuota; }
  public void setWaitingForQuota(Integer waitingForQuota) { this.waitingForQuota = waitingForQuota; }
  public Integer getOutdatedInstances() { return outdatedInstances; }
  public void setOutdatedInstances(Integer outdatedInstances) { this.outdatedInstances = outdatedInstances; }
  public Long getDedicatedGeneration() { return dedicatedGeneration; }
  public void setDedicatedGeneration(Long dedicatedGeneration) { this.dedicatedGeneration = dedicatedGeneration; }
  public String getDedicatedParts() { return dedicatedParts; }
  public void setDedicatedParts(String dedicatedParts) { this.dedicatedParts = dedicatedParts; }
  public Long getSharedGeneration() { return sharedGeneration; }
  public void setSharedGeneration(Long sharedGeneration) { this.sharedGeneration = sharedGeneration; }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AigcTemplateStatus s)) return false;
    return Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(modes, s.modes)
        && Objects.equals(gameServerSet, s.gameServerSet)
        && Objects.equals(sharedUrl, s.sharedUrl)
        && Objects.equals(instances, s.instances)
        && Objects.equals(running, s.running)
        && Objects.equals(retainedDisks, s.retainedDisks)
        && Objects.equals(unclaimedDisks, s.unclaimedDisks)
        && Objects.equals(outdatedInstances, s.outdatedInstances)
        && Objects.equals(waitingForQuota, s.waitingForQuota)
        && Objects.equals(dedicatedGeneration, s.dedicatedGeneration)
        && Objects.equals(dedicatedParts, s.dedicatedParts)
        && Objects.equals(sharedGeneration, s.sharedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, modes, gameServerSet, sharedUrl, instances, running,
        retainedDisks, unclaimedDisks, outdatedInstances, waitingForQuota, dedicatedGeneration, dedicatedParts,
        sharedGeneration);
  }
}
