package dev.aigc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aigc.operator.gateway.SessionKeys;
import dev.aigc.operator.gateway.SessionRevocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GatewayCommandOptionsTest {
  private static SessionRevocations.Location revoked(String flag) {
    GatewayCommandOptions options = new GatewayCommandOptions();
    options.revokedSessions = flag;
    return options.revokedSessions("aigc-system");
  }

  @Test
  void theRevokedSessionListIsANameInTheGatewaysNamespaceOrANamespaceAndName() {
    assertThat(revoked(null)).isEqualTo(new SessionRevocations.Location("aigc-system", SessionRevocations.DEFAULT_NAME));
    assertThat(revoked("sessions")).isEqualTo(new SessionRevocations.Location("aigc-system", "sessions"));
    assertThat(revoked("other/sessions")).isEqualTo(new SessionRevocations.Location("other", "sessions"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/sessions", "other/", "a/b/c"})
  void anythingElseIsRefusedNamingTheFlag(String flag) {
    assertThatThrownBy(() -> revoked(flag)).hasMessageContaining("--revoked-sessions");
    GatewayCommandOptions options = new GatewayCommandOptions();
    options.sessionKeysSecret = flag;
    assertThatThrownBy(() -> options.sessionKeysSecret("aigc-system")).hasMessageContaining("--session-keys-secret");
  }

  @Test
  void withoutAKeysFileTheKeysAreInASecretOfTheGatewaysNamespaceByDefault() {
    GatewayCommandOptions options = new GatewayCommandOptions();
    assertThat(options.keysFile()).isNull();
    assertThat(options.sessionKeysSecret("aigc-system")).isEqualTo(new SessionKeys.Location("aigc-system", "aigc-session-keys"));
    options.sessionKeysSecret = "other/keys";
    assertThat(options.sessionKeysSecret("aigc-system")).isEqualTo(new SessionKeys.Location("other", "keys"));
  }
}
