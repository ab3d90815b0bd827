package dev.aigc.operator.gateway;

import java.time.Instant;

/**
 * A signed-in user, as the session cookie carries it.
 *
 * @param user the identity instances are owned by (the configured claim, {@code sub} by default)
 * @param email the user's email when the provider gave one, else null
 * @param admin whether the user may see and act on everyone's instances
 */
public record Session(String user, String email, boolean admin, Instant expiresAt) {}
