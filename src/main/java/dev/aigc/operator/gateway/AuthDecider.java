package dev.aigc.operator.gateway;

import java.time.Clock;
import java.util.Optional;

/**
 * The answer to ingress-nginx's auth subrequest, from memory only: 200 when the signed-in user owns
 * the Running instance at exactly the requested host, 401 without a valid session (nginx then sends
 * the browser to sign in), 403 otherwise.
 */
public final class AuthDecider {
  /** @param user and {@code email} are set only when allowed */
  public record Decision(int status, String user, String email, String reason) {
    static Decision allow(Session s) {
      return new Decision(200, s.user(), s.email(), "owner");
    }

    static Decision deny(int status, String reason) {
      return new Decision(status, null, null, reason);
    }
  }

  private final InstanceDirectory directory;
  private final Clock clock;

  public AuthDecider(InstanceDirectory directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  /**
   * @param originalUrl the URL the browser asked for (ingress-nginx's X-Original-URL), or null
   * @param session the verified session, if any
   */
  public Decision decide(String originalUrl, Optional<Session> session) {
    if (session.isEmpty()) return Decision.deny(401, "no valid session");
    Optional<String> host = Hosts.ofUrl(originalUrl);
    if (host.isEmpty()) return Decision.deny(403, "no original URL to decide on");
    Optional<InstanceDirectory.Entry> entry = directory.lookup(host.get());
    if (entry.isEmpty()) return Decision.deny(403, "no instance at " + host.get());
    if (!entry.get().running()) return Decision.deny(403, "instance " + entry.get().name() + " is not running");
    // Only the owner opens an instance's UI, admins included: it holds the owner's data.
    if (!entry.get().owner().equals(session.get().user())) return Decision.deny(403, "not the owner");
    directory.touch(entry.get(), clock.instant());
    return Decision.allow(session.get());
  }
}
