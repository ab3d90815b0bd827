package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** Per-user instances: one GameServerSet named after the template, one ID per instance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DedicatedSpec {
  @Required private StorageSpec storage;
  @Required private IngressSpec ingress;

  @Default("Retain")
  private DataRetention dataRetention;

  /** How many instances may run at once; absent: no bound. */
  private QuotaSpec quota;

  /** Suspend instances nobody uses and wake them when their owner opens them; absent: never. */
  private IdleSpec idle;

  public StorageSpec getStorage() { return storage; }
  public void setStorage(StorageSpec storage) { this.storage = storage; }
  public IngressSpec getIngress() { return ingress; }
  public void setIngress(IngressSpec ingress) { this.ingress = ingress; }
  public DataRetention getDataRetention() { return dataRetention; }
  public void setDataRetention(DataRetention dataRetention) { this.dataRetention = dataRetention; }

  public QuotaSpec getQuota() { return quota; }
  public void setQuota(QuotaSpec quota) { this.quota = quota; }

  public IdleSpec getIdle() { return idle; }
  public void setIdle(IdleSpec idle) { this.idle = idle; }

  public DataRetention effectiveDataRetention() {
    return dataRetention == null ? DataRetention.Retain : dataRetention;
  }
}
