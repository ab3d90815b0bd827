package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * Idle suspension of a template's instances: an instance nobody has opened for {@code suspendAfter}
 * gives its compute back (its ID is reserved and its disk kept, as a stop does) while its spec stays
 * Running, and its owner opening its URL again wakes it. Absent: instances run until stopped.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IdleSpec {
  /** How long an instance may go without a request its owner makes before it is suspended; at least 1m. */
  @Required
  @Pattern(Patterns.DURATION)
  private String suspendAfter;

  /** The shortest {@code spec.suspendAfter} an instance may ask for; absent: suspendAfter (no shorter). */
  @Pattern(Patterns.DURATION)
  private String minSuspendAfter;

  /** The longest {@code spec.suspendAfter} an instance may ask for; absent: suspendAfter (no longer). */
  @Pattern(Patterns.DURATION)
  private String maxSuspendAfter;

  public static IdleSpec of(String suspendAfter, String minSuspendAfter, String maxSuspendAfter) {
    IdleSpec idle = new IdleSpec();
    idle.suspendAfter = suspendAfter;
    idle.minSuspendAfter = minSuspendAfter;
    idle.maxSuspendAfter = maxSuspendAfter;
    return idle;
  }

  public String getSuspendAfter() { return suspendAfter; }
  public void setSuspendAfter(String suspendAfter) { this.suspendAfter = suspendAfter; }
  public String getMinSuspendAfter() { return minSuspendAfter; }
  public void setMinSuspendAfter(String minSuspendAfter) { this.minSuspendAfter = minSuspendAfter; }
  public String getMaxSuspendAfter() { return maxSuspendAfter; }
  public void setMaxSuspendAfter(String maxSuspendAfter) { this.maxSuspendAfter = maxSuspendAfter; }
}
