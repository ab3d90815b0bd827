package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GameServerSetSpec extends Unmodelled {
  private Integer replicas;
  private List<IntOrString> reserveGameServerIds;
  private GameServerTemplate gameServerTemplate;
  private ScaleStrategy scaleStrategy;
  private UpdateStrategy updateStrategy;
  private Network network;
  private PvcRetentionPolicy persistentVolumeClaimRetentionPolicy;

  public Integer getReplicas() { return replicas; }
  public void setReplicas(Integer replicas) { this.replicas = replicas; }
  public List<IntOrString> getReserveGameServerIds() { return reserveGameServerIds; }
  public void setReserveGameServerIds(List<IntOrString> ids) { this.reserveGameServerIds = ids; }
  public GameServerTemplate getGameServerTemplate() { return gameServerTemplate; }
  public void setGameServerTemplate(GameServerTemplate t) { this.gameServerTemplate = t; }
  public ScaleStrategy getScaleStrategy() { return scaleStrategy; }
  public void setScaleStrategy(ScaleStrategy scaleStrategy) { this.scaleStrategy = scaleStrategy; }
  public UpdateStrategy getUpdateStrategy() { return updateStrategy; }
  public void setUpdateStrategy(UpdateStrategy updateStrategy) { this.updateStrategy = updateStrategy; }
  public Network getNetwork() { return network; }
  public void setNetwork(Network network) { this.network = network; }
  public PvcRetentionPolicy getPersistentVolumeClaimRetentionPolicy() { return persistentVolumeClaimRetentionPolicy; }
  public void setPersistentVolumeClaimRetentionPolicy(PvcRetentionPolicy p) { this.persistentVolumeClaimRetentionPolicy = p; }
}
