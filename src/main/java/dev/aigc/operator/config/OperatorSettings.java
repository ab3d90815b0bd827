package dev.aigc.operator.config;

import java.util.Set;

/**
 * Every operator setting in one place, built by the CLI from flags and environment variables.
 *
 * @param namespaces namespaces to watch; empty means all
 * @param gatewayAuthUrl the gateway's in-cluster /auth URL that ingress-nginx calls (auth-url)
 * @param gatewaySignInUrl the gateway's public sign-in URL browsers are sent to (auth-signin)
 * @param leaseNamespace where the leader-election Lease lives; null runs without leader election
 * @param exitOnLostLease end the process when the Lease is lost, so that two replicas never
 *     reconcile at once (production); tests that run several operators in one JVM turn it off
 * @param gatewayService the gateway's Service as {@code namespace/name}, or null: with it, the
 *     Ingress of an instance that idles can wake it (ingress-nginx's default backend, a Service in
 *     the instance's namespace that the operator points at the gateway's endpoints); without it, a
 *     suspended instance wakes only from the dashboard
 */
public record OperatorSettings(Set<String> namespaces, String gatewayAuthUrl, String gatewaySignInUrl,
    String leaseNamespace, boolean exitOnLostLease, String gatewayService) {
  public static final String LEASE_NAME = "aigc-operator";
  private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

  public OperatorSettings(Set<String> namespaces, String gatewayAuthUrl, String gatewaySignInUrl) {
    this(namespaces, gatewayAuthUrl, gatewaySignInUrl, null, true);
  }

  public OperatorSettings(Set<String> namespaces, String gatewayAuthUrl, String gatewaySignInUrl,
      String leaseNamespace, boolean exitOnLostLease) {
    this(namespaces, gatewayAuthUrl, gatewaySignInUrl, leaseNamespace, exitOnLostLease, null);
  }

  /** These settings with the gateway's Service ({@code namespace/name}, or null). */
  public OperatorSettings withGatewayService(String gatewayService) {
    return new OperatorSettings(namespaces, gatewayAuthUrl, gatewaySignInUrl, leaseNamespace, exitOnLostLease, gatewayService);
  }

  /** The namespace of {@link #gatewayService}, or null without one. */
  public String gatewayServiceNamespace() {
    return gatewayService == null ? null : gatewayService.substring(0, gatewayService.indexOf('/'));
  }

  /** The name of {@link #gatewayService}, or null without one. */
  public String gatewayServiceName() {
    return gatewayService == null ? null : gatewayService.substring(gatewayService.indexOf('/') + 1);
  }

  /** ingress-nginx rejects auth-url values outside this set (CVE-2025-24514 came through it). */
  private static final String AUTH_URL_CHARS = "^[A-Za-z0-9\\-._~/:,?&=$ ]*$";

  public OperatorSettings {
    namespaces = namespaces == null ? Set.of() : Set.copyOf(namespaces);
    requireSafe("gateway auth URL", gatewayAuthUrl);
    requireNoRoutedHost(gatewayAuthUrl);
    requireSafe("gateway sign-in URL", gatewaySignInUrl);
    if (gatewayService != null && gatewayService.isBlank()) gatewayService = null;
    if (gatewayService != null && !gatewayService.matches(DNS_LABEL + "/" + DNS_LABEL)) {
      throw new IllegalArgumentException("gateway Service must be namespace/name: " + gatewayService);
    }
  }

  public static OperatorSettings defaults() {
    return new OperatorSettings(Set.of(), null, null);
  }

  public boolean watchAllNamespaces() {
    return namespaces.isEmpty();
  }

  private static void requireSafe(String what, String url) {
    if (url == null) return;
    if (!url.matches(AUTH_URL_CHARS) || !(url.startsWith("http://") || url.startsWith("https://"))) {
      throw new IllegalArgumentException(
          what + " must be an http(s) URL of letters, digits and -._~/:,?&=$ only: " + url);
    }
  }

  /** The operator adds {@code host=$server_name} to the auth URL; a second one would make the gateway refuse every request. */
  private static void requireNoRoutedHost(String url) {
    if (url != null && url.matches(".*[?&]host=.*")) {
      throw new IllegalArgumentException("gateway auth URL must not have a host parameter: the operator adds host=$server_name: " + url);
    }
  }
}
