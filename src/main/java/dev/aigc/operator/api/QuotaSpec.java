package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How many of a template's instances may run at once. An instance beyond it waits (Pending,
 * Stalled with reason QuotaExceeded) and starts by itself when room frees up, first come first
 * served; lowering a bound stops no running instance, it only holds new starts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QuotaSpec {
  /** Running instances of this template in all; absent: no bound. */
  @Min(0)
  @Max(100000)
  private Integer maxRunning;

  /** Running instances of this template per owner; absent: no bound. */
  @Min(0)
  @Max(1000)
  private Integer maxPerUser;

  public Integer getMaxRunning() { return maxRunning; }
  public void setMaxRunning(Integer maxRunning) { this.maxRunning = maxRunning; }
  public Integer getMaxPerUser() { return maxPerUser; }
  public void setMaxPerUser(Integer maxPerUser) { this.maxPerUser = maxPerUser; }
}
