package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AigcInstanceSpec {
  @Required
  @Pattern(Patterns.DNS_LABEL)
  @Size(max = 63)
  @ValidationRule(value = "self == oldSelf", message = "spec.template is immutable")
  private String template;

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(value = "self == oldSelf", message = "spec.owner is immutable")
  private String owner;

  @Default("Running")
  private InstanceState state = InstanceState.Running;

  /** Overrides the template's retention when set. */
  private DataRetention dataRetention;

  /**
   * Overrides the template's spec.dedicated.idle.suspendAfter, within the bounds the template sets
   * (minSuspendAfter, maxSuspendAfter); a value outside them is brought to the nearest bound.
   */
  @Pattern(Patterns.DURATION)
  private String suspendAfter;

  public String getTemplate() { return template; }
  public void setTemplate(String template) { this.template = template; }
  public String getOwner() { return owner; }
  public void setOwner(String owner) { this.owner = owner; }
  public InstanceState getState() { return state; }
  public void setState(InstanceState state) { this.state = state; }
  public DataRetention getDataRetention() { return dataRetention; }
  public void setDataRetention(DataRetention dataRetention) { this.dataRetention = dataRetention; }
  public String getSuspendAfter() { return suspendAfter; }
  public void setSuspendAfter(String suspendAfter) { this.suspendAfter = suspendAfter; }
}
