package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Network extends Unmodelled {
  public static final String KUBERNETES_INGRESS = "Kubernetes-Ingress";

  private String networkType;
  private List<NetworkConfParam> networkConf;

  public String getNetworkType() { return networkType; }
  public void setNetworkType(String networkType) { this.networkType = networkType; }
  public List<NetworkConfParam> getNetworkConf() { return networkConf; }
  public void setNetworkConf(List<NetworkConfParam> networkConf) { this.networkConf = networkConf; }

  /** One {name, value} entry; names like Host and Annotation may repeat. */
  public record NetworkConfParam(String name, String value) {}
}
