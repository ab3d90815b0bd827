package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** How each instance is reached: one Ingress per instance, on its own host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IngressSpec {
  public static final String ID_PLACEHOLDER = "<id>";

  @Default("nginx")
  @Size(max = 253)
  private String className;

  /** The host pattern; {@code <id>} is replaced by the instance ID. */
  @Required
  @Pattern(Patterns.HOST_WITH_ID)
  @Size(max = 253)
  private String host;

  @Default("/")
  @Pattern("^/.*")
  @Size(max = 1024)
  private String path;

  @Default("ImplementationSpecific")
  private PathType pathType;

  @Size(max = 253)
  private String tlsSecretName;

  /** Extra annotations for every instance's Ingress. OKG splits each on ": ", so a value may not hold one. */
  @ValidationRule(
      value = "self.all(k, !self[k].contains(': '))",
      message = "spec.dedicated.ingress.annotations values must not contain ': '",
      reason = "FieldValueInvalid")
  // bounded, so that the API server's cost estimate of the rule stays within its budget
  @Size(max = 64)
  private Map<String, @Size(max = 4096) String> annotations;

  public String getClassName() { return className; }
  public void setClassName(String className) { this.className = className; }
  public String getHost() { return host; }
  public void setHost(String host) { this.host = host; }
  public String getPath() { return path; }
  public void setPath(String path) { this.path = path; }
  public PathType getPathType() { return pathType; }
  public void setPathType(PathType pathType) { this.pathType = pathType; }
  public String getTlsSecretName() { return tlsSecretName; }
  public void setTlsSecretName(String tlsSecretName) { this.tlsSecretName = tlsSecretName; }
  public Map<String, String> getAnnotations() { return annotations; }
  public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }

  public String effectiveClassName() { return className == null ? "nginx" : className; }
  public String effectivePath() { return path == null ? "/" : path; }
  public PathType effectivePathType() { return pathType == null ? PathType.ImplementationSpecific : pathType; }

  /** The exact host of instance {@code id}. */
  public String hostFor(int id) {
    return host.replace(ID_PLACEHOLDER, Integer.toString(id));
  }

  public enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific
  }
}
