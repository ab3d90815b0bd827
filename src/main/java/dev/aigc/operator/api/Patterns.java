package dev.aigc.operator.api;

/** Schema patterns shared by the model; RE2-compatible because the API server evaluates them. */
public final class Patterns {
  /** A Kubernetes resource quantity, as the API server's own parser accepts it. */
  public static final String QUANTITY =
      "^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$";
  /** An RFC 1123 label: template names become GameServerSet and pod names. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
  /** An RFC 1123 subdomain, as service account names are. */
  public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";
  /** A host with the placeholder {@code <id>} exactly once, so that every instance gets its own host. */
  public static final String HOST_WITH_ID = "^[a-z0-9.-]*<id>[a-z0-9.-]*$";

  /** A duration such as {@code 30m}, {@code 1h30m} or {@code 2d}: whole units of s, m, h, d. */
  public static final String DURATION = "^([0-9]{1,6}[smhd]){1,4}$";

  private Patterns() {}
}
