package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** CPU and memory requests, when they should differ from the limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RequestsSpec {
  @Pattern(Patterns.QUANTITY)
  @Size(max = 64)
  private String cpu;

  @Pattern(Patterns.QUANTITY)
  @Size(max = 64)
  private String memory;

  public String getCpu() { return cpu; }
  public void setCpu(String cpu) { this.cpu = cpu; }
  public String getMemory() { return memory; }
  public void setMemory(String memory) { this.memory = memory; }
}
