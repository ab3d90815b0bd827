package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What happens to per-ID disks when the set is scaled down or deleted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PvcRetentionPolicy(String whenDeleted, String whenScaled) {
  public static final String RETAIN = "Retain";
}
