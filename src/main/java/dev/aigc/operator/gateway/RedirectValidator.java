package dev.aigc.operator.gateway;

import java.net.URI;

/**
 * Where the browser may be sent after sign-in: back to the gateway, or to a host under the instance
 * domain (at a label boundary, so {@code evil-example.com} is not under {@code example.com}).
 * Anything else goes to the dashboard.
 */
public final class RedirectValidator {
  private final String gatewayHost;
  private final String instanceDomain;
  private final String fallback;

  /**
   * @param gatewayUrl the gateway's public URL, e.g. https://aigc.example.com
   * @param instanceDomain the parent domain of instance hosts, e.g. example.com
   */
  public RedirectValidator(String gatewayUrl, String instanceDomain) {
    this.gatewayHost = Hosts.ofUrl(gatewayUrl).orElseThrow(() -> new IllegalArgumentException("not an http(s) URL: " + gatewayUrl));
    this.instanceDomain = Hosts.normalize(instanceDomain).orElseThrow(() -> new IllegalArgumentException("not a domain: " + instanceDomain));
    this.fallback = URI.create(gatewayUrl).resolve("/").toString();
  }

  /** {@code rd} when it is safe to send the browser there, else the dashboard. */
  public String target(String rd) {
    if (rd == null || rd.isEmpty() || rd.length() > 2048) return fallback;
    // a path on the gateway itself; "//host" and "/\\host" are other hosts to a browser
    if (rd.startsWith("/") && !rd.startsWith("//") && !rd.startsWith("/\\")) {
      return rd.chars().anyMatch(c -> c < 0x21 || c == '\\') ? fallback : fallback + rd.substring(1);
    }
    if (rd.chars().anyMatch(c -> c < 0x21 || c == '\\')) return fallback;
    return Hosts.ofUrl(rd)
        .filter(host -> host.equals(gatewayHost) || Hosts.isWithin(host, instanceDomain))
        .map(host -> rd)
        .orElse(fallback);
  }
}
