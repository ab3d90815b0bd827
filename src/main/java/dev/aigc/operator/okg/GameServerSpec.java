package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.IntOrString;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GameServerSpec extends Unmodelled {
  private String opsState;
  private IntOrString deletionPriority;

  public String getOpsState() { return opsState; }
  public void setOpsState(String opsState) { this.opsState = opsState; }
  public IntOrString getDeletionPriority() { return deletionPriority; }
  public void setDeletionPriority(IntOrString deletionPriority) { this.deletionPriority = deletionPriority; }
}
