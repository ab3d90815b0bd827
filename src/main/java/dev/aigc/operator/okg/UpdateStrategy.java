package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.IntOrString;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStrategy extends Unmodelled {
  public static final String ON_DELETE = "OnDelete";
  public static final String ROLLING_UPDATE = "RollingUpdate";
  /** OKG runs a rolling update whenever rollingUpdate is set, whatever this says. */
  private String type;
  private RollingUpdate rollingUpdate;

  public String getType() { return type; }
  public void setType(String type) { this.type = type; }

  public RollingUpdate getRollingUpdate() { return rollingUpdate; }
  public void setRollingUpdate(RollingUpdate rollingUpdate) { this.rollingUpdate = rollingUpdate; }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RollingUpdate extends Unmodelled {
    private String podUpdatePolicy;
    private IntOrString maxUnavailable;
    private Integer partition;
    private Boolean paused;

    public Integer getPartition() { return partition; }
    public void setPartition(Integer partition) { this.partition = partition; }
    public Boolean getPaused() { return paused; }
    public void setPaused(Boolean paused) { this.paused = paused; }

    public String getPodUpdatePolicy() { return podUpdatePolicy; }
    public void setPodUpdatePolicy(String podUpdatePolicy) { this.podUpdatePolicy = podUpdatePolicy; }
    public IntOrString getMaxUnavailable() { return maxUnavailable; }
    public void setMaxUnavailable(IntOrString maxUnavailable) { this.maxUnavailable = maxUnavailable; }
  }
}
