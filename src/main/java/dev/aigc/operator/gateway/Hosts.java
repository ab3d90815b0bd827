package dev.aigc.operator.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** Host names as DNS compares them: case-insensitive, without port or trailing dot. */
public final class Hosts {
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
    int end = h.length();
    if (colon >= 0 && h.indexOf(']') < 0) {
      for (int i = colon + 1; i < h.length(); i++) {
        if (!Character.isDigit(h.charAt(i))) return Optional.empty();
      }
      end = colon;
    }
    if (end > 0 && h.charAt(end - 1) == '.') end--;
    if (end == 0 || end > 253 || !isDnsName(h, end)) return Optional.empty();
    return Optional.of(end == h.length() ? h : h.substring(0, end));
  }

  /**
   * Whether the first {@code end} characters are letters, digits, dots and hyphens, begin and end
   * with a letter or digit, and have no empty label. By hand, as /auth checks two hosts per request.
   */
  private static boolean isDnsName(String h, int end) {
    char previous = '.';
    for (int i = 0; i < end; i++) {
      char c = h.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && !(c == '-' && i > 0) && !(c == '.' && previous != '.')) return false;
      previous = c;
    }
    return previous != '.' && previous != '-';
  }

  /** Whether {@code host} is {@code domain} itself or a name under it, at a label boundary. */
  public static boolean isWithin(String host, String domain) {
    return host.equals(domain) || host.endsWith("." + domain);
  }
}
