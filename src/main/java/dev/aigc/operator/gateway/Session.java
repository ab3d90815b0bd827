package dev.aigc.operator.gateway;

import java.time.Instant;

/**
 * A signed-in user, as the session cookie carries it.
 *
 * @param user the identity instances are owned by (the configured claim, {@code sub} by default)
 * @param email the user's email when the provider gave one, else null
 * @param admin whether the user may see and act on everyone's instances
 * @param id what sign-out revokes: the cookie's {@code jti}, or for a cookie sealed before sessions
 *     had one, a digest of the cookie itself; null for a bearer token (the provider's to revoke)
 * @param issuedAt when the session was sealed; null for a bearer token
 */
public record Session(String user, String email, boolean admin, Instant expiresAt, String id, Instant issuedAt) {
  /** A caller without a session of ours: a bearer token of the provider. */
  public Session(String user, String email, boolean admin, Instant expiresAt) {
    this(user, email, admin, expiresAt, null, null);
  }
}
