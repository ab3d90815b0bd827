package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** The compute profile; every field is optional. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ComputeSpec {
  /** CPU, as both request and limit. */
  @Pattern(Patterns.QUANTITY)
  @Size(max = 64)
  private String cpu;

  /** Memory, as both request and limit. */
  @Pattern(Patterns.QUANTITY)
  @Size(max = 64)
  private String memory;

  /** Requests below the limits above (a burstable share); each defaults to its limit. */
  private RequestsSpec requests;

  /** Whole GPUs (nvidia.com/gpu). */
  @Min(0)
  private Integer gpu;

  /** GiB of a shared GPU (aliyun.com/gpu-mem). */
  @Min(0)
  private Integer gpuMemory;

  private EciSpec eci;
  @Size(max = 64)
  private Map<String, @Size(max = 253) String> nodeSelector;
  @Size(max = 64)
  private List<Toleration> tolerations;

  public String getCpu() { return cpu; }
  public void setCpu(String cpu) { this.cpu = cpu; }
  public String getMemory() { return memory; }
  public void setMemory(String memory) { this.memory = memory; }
  public RequestsSpec getRequests() { return requests; }
  public void setRequests(RequestsSpec requests) { this.requests = requests; }
  public Integer getGpu() { return gpu; }
  public void setGpu(Integer gpu) { this.gpu = gpu; }
  public Integer getGpuMemory() { return gpuMemory; }
  public void setGpuMemory(Integer gpuMemory) { this.gpuMemory = gpuMemory; }
  public EciSpec getEci() { return eci; }
  public void setEci(EciSpec eci) { this.eci = eci; }
  public Map<String, String> getNodeSelector() { return nodeSelector; }
  public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
  public List<Toleration> getTolerations() { return tolerations; }
  public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }
}
