package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** A request-scaled endpoint shared by everyone: one Knative Service. Unset fields take Knative's defaults. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.minScale) || !has(self.maxScale) || self.maxScale == 0 || self.minScale <= self.maxScale",
    message = "spec.shared.minScale must not exceed spec.shared.maxScale",
    reason = "FieldValueInvalid")
public class SharedSpec {
  /** Requests one pod serves at once; 0 means unlimited. */
  @Min(0)
  @Max(1000)
  private Integer containerConcurrency;

  @Min(0)
  private Integer minScale;

  /** 0 means unlimited. */
  @Min(0)
  private Integer maxScale;

  @Min(1)
  @Max(100)
  private Integer targetUtilizationPercentage;

  @Pattern("^[a-z0-9.-]+$")
  @Size(max = 253)
  private String autoscalingClass;

  @Min(1)
  @Max(600)
  private Integer timeoutSeconds;

  private SessionAffinitySpec sessionAffinity;

  public Integer getContainerConcurrency() { return containerConcurrency; }
  public void setContainerConcurrency(Integer containerConcurrency) { this.containerConcurrency = containerConcurrency; }
  public Integer getMinScale() { return minScale; }
  public void setMinScale(Integer minScale) { this.minScale = minScale; }
  public Integer getMaxScale() { return maxScale; }
  public void setMaxScale(Integer maxScale) { this.maxScale = maxScale; }
  public Integer getTargetUtilizationPercentage() { return targetUtilizationPercentage; }
  public void setTargetUtilizationPercentage(Integer v) { this.targetUtilizationPercentage = v; }
  public String getAutoscalingClass() { return autoscalingClass; }
  public void setAutoscalingClass(String autoscalingClass) { this.autoscalingClass = autoscalingClass; }
  public Integer getTimeoutSeconds() { return timeoutSeconds; }
  public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
  public SessionAffinitySpec getSessionAffinity() { return sessionAffinity; }
  public void setSessionAffinity(SessionAffinitySpec sessionAffinity) { this.sessionAffinity = sessionAffinity; }
}
