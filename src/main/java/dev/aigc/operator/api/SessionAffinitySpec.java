package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Cookie affinity for the shared endpoint (ACK Knative). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SessionAffinitySpec {
  @Required
  @Pattern("^[A-Za-z0-9_-]+$")
  @Size(max = 128)
  private String cookieName;

  @Min(1)
  private Integer timeoutSeconds;

  public String getCookieName() { return cookieName; }
  public void setCookieName(String cookieName) { this.cookieName = cookieName; }
  public Integer getTimeoutSeconds() { return timeoutSeconds; }
  public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
}
