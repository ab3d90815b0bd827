package dev.aigc.operator.gateway;

import java.time.Clock;
import java.util.Optional;

/**
 * The answer to the proxy's auth subrequest, from memory only: 200 when the signed-in user owns the
 * Running instance at exactly the host the proxy routed the request to, 401 without a valid session
 * (nginx then sends the browser to sign in), 403 otherwise.
 *
 * <p>The host that counts is the routed one, as the proxy itself reports it (DESIGN invariant 8).
 * With ingress-nginx that is the auth-url's {@code host=$server_name}: X-Original-URL is built from
 * the client's Host header, and nginx routes an absolute-form request line ({@code GET
 * http://alice-host/} with {@code Host: bob-host}) by the request line, so X-Original-URL alone would
 * let bob into alice's instance with his own session. When the proxy names the routed host, the URL
 * the client asked for must be on that same host, or the request is refused whoever asks.
 */
public final class AuthDecider {
  /** Why a request was refused before anyone's session was looked at, for the metrics. */
  public enum Routing {
    /** The proxy's routed host and the requested URL's host agree (or the proxy does not say). */
    CONSISTENT,
    /** The URL the client asked for is on another host than the one the proxy routed it to. */
    HOST_MISMATCH,
    /** The proxy did not name a routed host where one is required, or named no valid host. */
    NO_ROUTED_HOST
  }

  /** @param user and {@code email} are set only when allowed */
  public record Decision(int status, String user, String email, String reason, Routing routing) {
    static Decision allow(Session s) {
      return new Decision(200, s.user(), s.email(), "owner", Routing.CONSISTENT);
    }

    static Decision deny(int status, String reason) {
      return new Decision(status, null, null, reason, Routing.CONSISTENT);
    }

    static Decision misrouted(Routing routing, String reason) {
      return new Decision(403, null, null, reason, routing);
    }
  }

  private final InstanceDirectory directory;
  private final Clock clock;

  public AuthDecider(InstanceDirectory directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  public InstanceDirectory directory() {
    return directory;
  }

  public Clock clock() {
    return clock;
  }

  /** A request the proxy did not say the routed host of (a proxy mode that does not require it). */
  public Decision decide(String originalUrl, Optional<Session> session) {
    return decide(originalUrl, Optional.empty(), session);
  }

  /**
   * @param originalUrl the URL the client asked for (ingress-nginx's X-Original-URL, whose host is the
   *     client's Host header), or null
   * @param routedHost the host the proxy routed the request to, as the proxy reported it, when it did
   * @param session the verified session, if any
   */
  public Decision decide(String originalUrl, Optional<String> routedHost, Optional<Session> session) {
    return decide(originalUrl, routedHost, session, true);
  }

  /**
   * @param activity whether an allowed request counts as the owner's use of the instance (it postpones
   *     idle suspension and wakes a suspended instance); not for a request another site started
   */
  public Decision decide(String originalUrl, Optional<String> routedHost, Optional<Session> session, boolean activity) {
    Optional<String> asked = Hosts.ofUrl(originalUrl);
    if (routedHost.isPresent()) {
      Optional<String> routed = Hosts.normalize(routedHost.get());
      if (routed.isEmpty()) return Decision.misrouted(Routing.NO_ROUTED_HOST, "routed host " + routedHost.get() + " is not a host name");
      // before the session: a request that names one host and is routed to another is refused for everyone
      if (!routed.equals(asked)) {
        return Decision.misrouted(Routing.HOST_MISMATCH, "routed to " + routed.get() + " but asked for " + asked.orElse("no host"));
      }
    }
    if (session.isEmpty()) return Decision.deny(401, "no valid session");
    if (asked.isEmpty()) return Decision.deny(403, "no original URL to decide on");
    Optional<InstanceDirectory.Entry> entry = directory.lookup(asked.get());
    if (entry.isEmpty()) return Decision.deny(403, "no instance at " + asked.get());
    if (!entry.get().reachable()) return Decision.deny(403, "instance " + entry.get().name() + " is " + entry.get().phase());
    // Only the owner opens an instance's UI, admins included: it holds the owner's data.
    if (!entry.get().owner().equals(session.get().user())) return Decision.deny(403, "not the owner");
    if (activity) directory.touch(entry.get(), clock.instant());
    return Decision.allow(session.get());
  }
}
