package dev.aigc.operator.gateway;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import java.time.Duration;

/** The gateway's cookies: HttpOnly, Secure (unless the dev flag says not), SameSite=Lax. */
final class Cookies {
  static final String SESSION = GatewayServer.SESSION_COOKIE;
  static final String FLOW = "aigc_sign_in";

  private final GatewaySettings settings;

  Cookies(GatewaySettings settings) {
    this.settings = settings;
  }

  /** The session, for the whole instance domain: instance hosts must send it to the auth check. */
  Cookie session(String value, Duration ttl) {
    return withDomain(base(SESSION, value, ttl));
  }

  /** The sign-in in progress, for the gateway host only. */
  Cookie flow(String value) {
    return base(FLOW, value, Duration.ofMinutes(10));
  }

  Cookie clearedSession() {
    return withDomain(base(SESSION, "", Duration.ZERO));
  }

  /** Browsers refuse Domain=localhost; when the gateway is the whole domain, a host-only cookie is the same. */
  private Cookie withDomain(Cookie cookie) {
    String gatewayHost = Hosts.ofUrl(settings.publicUrl()).orElse("");
    return gatewayHost.equals(settings.instanceDomain()) ? cookie : cookie.setDomain(settings.instanceDomain());
  }

  Cookie clearedFlow() {
    return base(FLOW, "", Duration.ZERO);
  }

  private Cookie base(String name, String value, Duration ttl) {
    return Cookie.cookie(name, value)
        .setPath("/")
        .setHttpOnly(true)
        .setSecure(!settings.insecureCookies())
        .setSameSite(CookieSameSite.LAX)
        .setMaxAge(ttl.toSeconds());
  }
}
