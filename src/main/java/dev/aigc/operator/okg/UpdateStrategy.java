package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.IntOrString;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStrategy extends Unmodelled {
  private RollingUpdate rollingUpdate;

  public RollingUpdate getRollingUpdate() { return rollingUpdate; }
  public void setRollingUpdate(RollingUpdate rollingUpdate) { this.rollingUpdate = rollingUpdate; }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RollingUpdate extends Unmodelled {
    private String podUpdatePolicy;
    private IntOrString maxUnavailable;

    public String getPodUpdatePolicy() { return podUpdatePolicy; }
    public void setPodUpdatePolicy(String podUpdatePolicy) { this.podUpdatePolicy = podUpdatePolicy; }
    public IntOrString getMaxUnavailable() { return maxUnavailable; }
    public void setMaxUnavailable(IntOrString maxUnavailable) { this.maxUnavailable = maxUnavailable; }
  }
}
