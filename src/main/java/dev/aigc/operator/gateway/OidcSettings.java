package dev.aigc.operator.gateway;

/**
 * How the gateway signs users in with the platform's OIDC provider.
 *
 * @param issuer the provider's issuer URL (discovery at {@code issuer/.well-known/openid-configuration})
 * @param clientSecret read from a file or the environment, never logged
 * @param redirectUri the gateway's callback, e.g. https://aigc.example.com/callback
 * @param userClaim the claim that names the user: sub (default), preferred_username or email
 * @param adminClaim a claim (e.g. groups) that makes a user an admin when it holds {@code adminValue}
 */
public record OidcSettings(String issuer, String clientId, String clientSecret, String redirectUri,
    String userClaim, String adminClaim, String adminValue) {

  public OidcSettings {
    if (userClaim == null || userClaim.isBlank()) userClaim = "sub";
    if (!java.util.Set.of("sub", "preferred_username", "email").contains(userClaim)) {
      throw new IllegalArgumentException("the user claim must be sub, preferred_username or email, got " + userClaim);
    }
  }

  @Override
  public String toString() {
    // records print every component; the secret must never reach a log
    return "OidcSettings[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret=***, redirectUri=" + redirectUri
        + ", userClaim=" + userClaim + ", adminClaim=" + adminClaim + ", adminValue=" + adminValue + "]";
  }
}
