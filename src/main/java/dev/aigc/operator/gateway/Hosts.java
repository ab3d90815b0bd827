package dev.aigc.operator.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Host names as DNS compares them: case-insensitive, without port or trailing dot. */
public final class Hosts {
  private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");

  private Hosts() {}

  /** The normalised host of an absolute http(s) URL, or empty when it is not one. */
  public static Optional<String> ofUrl(String url) {
    if (url == null || url.isEmpty()) return Optional.empty();
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) return Optional.empty();
      if (uri.getRawUserInfo() != null) return Optional.empty();
      return normalize(uri.getHost());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }

  /** A host header value or URL host, lower-cased, port and trailing dot removed; empty when not a DNS name. */
  public static Optional<String> normalize(String host) {
    if (host == null) return Optional.empty();
    String h = host.strip().toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(']') < 0) {
      String port = h.substring(colon + 1);
      if (!port.isEmpty() && !port.chars().allMatch(Character::isDigit)) return Optional.empty();
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
    if (h.isEmpty() || h.length() > 253 || !DNS_NAME.matcher(h).matches() || h.contains("..")) {
      return Optional.empty();
    }
    return Optional.of(h);
  }

  /** Whether {@code host} is {@code domain} itself or a name under it, at a label boundary. */
  public static boolean isWithin(String host, String domain) {
    return host.equals(domain) || host.endsWith("." + domain);
  }
}
