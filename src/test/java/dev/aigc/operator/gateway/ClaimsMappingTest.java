package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the provider's claims say the user is, and whether an admin. */
class ClaimsMappingTest {
  private static final JWTClaimsSet CLAIMS = new JWTClaimsSet.Builder()
      .subject("8f2c-41aa").claim("preferred_username", "alice").claim("email", "alice@example.com").claim("email_verified", true)
      .claim("groups", List.of("users", "aigc-admins")).claim("role", "operator").build();

  private static OidcProvider.Identity map(String userClaim, String adminClaim, String adminValue) {
    return OidcProvider.identity(CLAIMS, new OidcSettings("https://idp", "c", "s", "https://gw/callback", userClaim, adminClaim, adminValue));
  }

  @Test
  void theUserIsTheConfiguredClaimSubByDefault() {
    assertThat(map(null, null, null).user()).isEqualTo("8f2c-41aa");
    assertThat(map("preferred_username", null, null).user()).isEqualTo("alice");
    assertThat(map("email", null, null).user()).isEqualTo("alice@example.com");
    assertThat(map(null, null, null).email()).isEqualTo("alice@example.com");
  }

  /** With the email claim as the user, an address the provider has not verified names nobody (bob could type alice's). */
  @Test
  void anUnverifiedEmailNamesNoUser() {
    OidcSettings byEmail = new OidcSettings("https://idp", "c", "s", "https://gw/callback", "email", null, null);
    for (Object verified : java.util.Arrays.asList(false, "false", null)) {
      JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("b0b").claim("email", "alice@example.com")
          .claim("email_verified", verified).build();
      assertThat(OidcProvider.identity(claims, byEmail).user()).as("email_verified " + verified).isNull();
    }
    JWTClaimsSet verifiedAsText = new JWTClaimsSet.Builder().subject("a1").claim("email", "alice@example.com")
        .claim("email_verified", "true").build();
    assertThat(OidcProvider.identity(verifiedAsText, byEmail).user()).isEqualTo("alice@example.com");
  }

  @Test
  void anOtherUserClaimIsRefused() {
    assertThatThrownBy(() -> map("name", null, null)).hasMessageContaining("sub, preferred_username or email");
  }

  @Test
  void adminsAreThoseWhoseClaimHoldsTheValueInAListOrAlone() {
    assertThat(map(null, "groups", "aigc-admins").admin()).isTrue();
    assertThat(map(null, "groups", "aigc").admin()).as("no substring match").isFalse();
    assertThat(map(null, "role", "operator").admin()).isTrue();
    assertThat(map(null, "missing", "x").admin()).isFalse();
    assertThat(map(null, null, null).admin()).isFalse();
  }

  @Test
  void aMissingUserClaimMeansNoIdentity() {
    assertThat(OidcProvider.identity(new JWTClaimsSet.Builder().subject("x").build(),
        new OidcSettings("https://idp", "c", "s", "https://gw/callback", "email", null, null)).user()).isNull();
  }

  @Test
  void theClientSecretNeverPrints() {
    assertThat(new OidcSettings("https://idp", "c", "hunter2", "https://gw/callback", null, null, null).toString())
        .doesNotContain("hunter2");
  }
}
