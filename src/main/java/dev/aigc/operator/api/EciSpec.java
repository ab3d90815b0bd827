package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;

/** Alibaba Cloud elastic container instances. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EciSpec {
  private Boolean enabled;

  /** ECS instance types to try, in order (k8s.aliyun.com/eci-use-specs). */
  @Size(max = 16)
  private List<@Pattern("^[a-zA-Z0-9.-]+$") @Size(max = 64) String> instanceTypes;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public List<String> getInstanceTypes() { return instanceTypes; }
  public void setInstanceTypes(List<String> instanceTypes) { this.instanceTypes = instanceTypes; }

  public boolean isEnabled() {
    return Boolean.TRUE.equals(enabled);
  }
}
