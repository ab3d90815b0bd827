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
 */
public record OperatorSettings(Set<String> namespaces, String gatewayAuthUrl, String gatewaySignInUrl,
    String leaseNamespace, boolean exitOnLostLease) {
  public static final String LEASE_NAME = "aigc-operator";

  public OperatorSettings(Set<String> namespaces, String gatewayAuthUrl, String gatewaySignInUrl) {
    this(namespaces, gatewayAuthUrl, gatewaySignInUrl, null, true);
  }

  /** ingress-nginx rejects auth-url values outside this set (CVE-2025-24514 came through it). */
  private static final String AUTH_URL_CHARS = "^[A-Za-z0-9\\-._~/:,?&=$ ]*$";

  public OperatorSettings {
    namespaces = namespaces == null ? Set.of() : Set.copyOf(namespaces);
    requireSafe("gateway auth URL", gatewayAuthUrl);
    requireNoRoutedHost(gatewayAuthUrl);
    requireSafe("gateway sign-in URL", gatewaySignInUrl);
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
