package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleStrategy extends Unmodelled {
  /** With this type OKG writes the IDs it removes back into spec.reserveGameServerIds. */
  public static final String RESERVE_IDS = "ReserveIds";

  private String scaleDownStrategyType;

  public String getScaleDownStrategyType() { return scaleDownStrategyType; }
  public void setScaleDownStrategyType(String t) { this.scaleDownStrategyType = t; }
}
