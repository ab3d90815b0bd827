package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class GameServerStatus extends Unmodelled {
  public static final String READY = "Ready";
  public static final String CRASH = "Crash";

  /** Creating, Ready, NotReady, Crash, Updating, Deleting, ... */
  private String currentState;
  private NetworkStatus networkStatus;

  public String getCurrentState() { return currentState; }
  public void setCurrentState(String currentState) { this.currentState = currentState; }
  public NetworkStatus getNetworkStatus() { return networkStatus; }
  public void setNetworkStatus(NetworkStatus networkStatus) { this.networkStatus = networkStatus; }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class NetworkStatus extends Unmodelled {
    /** Waiting, Ready, NotReady. */
    private String currentNetworkState;
    private List<Address> externalAddresses;

    public String getCurrentNetworkState() { return currentNetworkState; }
    public void setCurrentNetworkState(String s) { this.currentNetworkState = s; }
    public List<Address> getExternalAddresses() { return externalAddresses; }
    public void setExternalAddresses(List<Address> externalAddresses) { this.externalAddresses = externalAddresses; }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Address extends Unmodelled {
    private String ip;
    private String endPoint;

    public String getIp() { return ip; }
    public void setIp(String ip) { this.ip = ip; }
    public String getEndPoint() { return endPoint; }
    public void setEndPoint(String endPoint) { this.endPoint = endPoint; }
  }
}
