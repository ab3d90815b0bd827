package dev.aigc.operator.gateway;

import java.net.URI;
import java.time.Duration;

/**
 * The gateway's settings, built by the CLI from flags and environment variables.
 *
 * @param publicUrl the gateway's own URL as browsers see it, e.g. https://aigc.example.com
 * @param instanceDomain the parent domain of the gateway and all instance hosts, e.g. example.com;
 *     the session cookie is set for it so that instance hosts send it to ingress-nginx's auth check
 * @param insecureCookies drop the Secure attribute: only for plain-http development
 */
public record GatewaySettings(String publicUrl, String instanceDomain, String listenHost, int listenPort,
    Duration sessionTtl, boolean insecureCookies, GatewayServer.ProxyMode proxyMode) {

  public GatewaySettings {
    URI uri = URI.create(publicUrl);
    if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException("not an absolute URL: " + publicUrl);
    String host = Hosts.normalize(uri.getHost()).orElseThrow();
    String domain = Hosts.normalize(instanceDomain).orElseThrow(() -> new IllegalArgumentException("not a domain: " + instanceDomain));
    if (!Hosts.isWithin(host, domain)) {
      // browsers refuse a cookie Domain the setting host is not under
      throw new IllegalArgumentException("the gateway host " + host + " must be under the instance domain " + domain);
    }
    if (sessionTtl == null) sessionTtl = Duration.ofHours(8);
    if (proxyMode == null) proxyMode = GatewayServer.ProxyMode.NGINX;
  }

  /** scheme://host[:port] of the public URL, which a same-origin request's Origin header equals. */
  public String origin() {
    URI uri = URI.create(publicUrl);
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }
}
