package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * GPUs that the namespace's instances may run at once, counted from their templates' compute
 * (gpu: whole GPUs; gpuMemory: GiB of a shared GPU). Every bound is optional; absent: no bound.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AigcQuotaSpec {
  /** Whole GPUs running at once, all users together. */
  @Min(0)
  @Max(100000)
  private Integer gpus;

  /** Whole GPUs running at once per owner. */
  @Min(0)
  @Max(100000)
  private Integer gpusPerUser;

  /** GiB of shared GPU memory running at once, all users together. */
  @Min(0)
  @Max(10000000)
  private Integer gpuMemoryGiB;

  /** GiB of shared GPU memory running at once per owner. */
  @Min(0)
  @Max(10000000)
  private Integer gpuMemoryGiBPerUser;

  public Integer getGpus() { return gpus; }
  public void setGpus(Integer gpus) { this.gpus = gpus; }
  public Integer getGpusPerUser() { return gpusPerUser; }
  public void setGpusPerUser(Integer gpusPerUser) { this.gpusPerUser = gpusPerUser; }
  public Integer getGpuMemoryGiB() { return gpuMemoryGiB; }
  public void setGpuMemoryGiB(Integer gpuMemoryGiB) { this.gpuMemoryGiB = gpuMemoryGiB; }
  public Integer getGpuMemoryGiBPerUser() { return gpuMemoryGiBPerUser; }
  public void setGpuMemoryGiBPerUser(Integer gpuMemoryGiBPerUser) { this.gpuMemoryGiBPerUser = gpuMemoryGiBPerUser; }
}
