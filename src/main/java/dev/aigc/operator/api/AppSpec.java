package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.List;

/** The app's container, used by both the dedicated and the shared mode. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppSpec {
  public static final int DEFAULT_PORT = 7860;

  @Required
  @Size(min = 1, max = 1024)
  private String image;

  @Size(max = 64)
  private List<@Size(max = 4096) String> command;
  @Size(max = 256)
  private List<@Size(max = 4096) String> args;

  @Default("7860")
  @Min(1)
  @Max(65535)
  private Integer port;

  @Size(max = 256)
  private List<EnvVar> env;
  /** Defaults to a TCP check on {@link #port}. */
  private Probe readinessProbe;

  /**
   * The container's security context, over safe defaults that still run images built to run as
   * root: no privilege escalation, every capability dropped, the runtime's default seccomp profile.
   */
  private SecurityContext securityContext;
  /** The pod's security context, for example {@code runAsNonRoot: true} in restricted namespaces. */
  private PodSecurityContext podSecurityContext;
  /** Secrets (in the instances' namespace) to pull a private image with. */
  @Size(max = 16)
  private List<@Size(max = 253) String> imagePullSecrets;
  @Size(max = 253)
  @io.fabric8.generator.annotation.Pattern(Patterns.DNS_SUBDOMAIN)
  private String serviceAccountName;

  public String getImage() { return image; }
  public void setImage(String image) { this.image = image; }
  public List<String> getCommand() { return command; }
  public void setCommand(List<String> command) { this.command = command; }
  public List<String> getArgs() { return args; }
  public void setArgs(List<String> args) { this.args = args; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public List<EnvVar> getEnv() { return env; }
  public void setEnv(List<EnvVar> env) { this.env = env; }
  public Probe getReadinessProbe() { return readinessProbe; }
  public void setReadinessProbe(Probe readinessProbe) { this.readinessProbe = readinessProbe; }

  public SecurityContext getSecurityContext() { return securityContext; }
  public void setSecurityContext(SecurityContext securityContext) { this.securityContext = securityContext; }
  public PodSecurityContext getPodSecurityContext() { return podSecurityContext; }
  public void setPodSecurityContext(PodSecurityContext podSecurityContext) { this.podSecurityContext = podSecurityContext; }
  public List<String> getImagePullSecrets() { return imagePullSecrets; }
  public void setImagePullSecrets(List<String> imagePullSecrets) { this.imagePullSecrets = imagePullSecrets; }
  public String getServiceAccountName() { return serviceAccountName; }
  public void setServiceAccountName(String serviceAccountName) { this.serviceAccountName = serviceAccountName; }

  /** The port with the schema default applied, for objects read without the API server's defaulting. */
  public int effectivePort() {
    return port == null ? DEFAULT_PORT : port;
  }
}
