package dev.aigc.operator.cli;

import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionKeys;
import dev.aigc.operator.gateway.SessionRevocations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The gateway's flags; each has an environment variable too, so that the chart can set it. */
class GatewayCommandOptions {
  @Option(names = "--public-url", defaultValue = "${env:AIGC_PUBLIC_URL}",
      description = "The gateway's URL as browsers see it, e.g. https://aigc.example.com (env AIGC_PUBLIC_URL).")
  String publicUrl;

  @Option(names = "--instance-domain", defaultValue = "${env:AIGC_INSTANCE_DOMAIN}",
      description = "Parent domain of the gateway and all instance hosts, e.g. example.com (env AIGC_INSTANCE_DOMAIN).")
  String instanceDomain;

  @Option(names = "--listen", defaultValue = "${env:AIGC_LISTEN:-0.0.0.0:8080}",
      description = "Address the gateway listens on (env AIGC_LISTEN). Default: ${DEFAULT-VALUE}.")
  String listen;

  @Option(names = "--session-keys-file", defaultValue = "${env:AIGC_SESSION_KEYS_FILE}",
      description = "File of base64 32-byte keys, one per line, the sealing key first (env AIGC_SESSION_KEYS_FILE). "
          + "Without it the keys are in --session-keys-secret.")
  Path sessionKeysFile;

  @Option(names = "--session-keys-secret", defaultValue = "${env:AIGC_SESSION_KEYS_SECRET:-aigc-session-keys}",
      description = "Secret holding the keys (key \"keys\", the file's format), which the gateway creates with a new key when it "
          + "does not exist: a name in the gateway's own namespace, or namespace/name (env AIGC_SESSION_KEYS_SECRET). "
          + "Default: ${DEFAULT-VALUE}.")
  String sessionKeysSecret;

  @Option(names = "--session-ttl", defaultValue = "${env:AIGC_SESSION_TTL:-PT8H}",
      description = "How long a sign-in lasts, ISO-8601 (env AIGC_SESSION_TTL). Default: ${DEFAULT-VALUE}.")
  Duration sessionTtl;

  @Option(names = "--revoked-sessions", defaultValue = "${env:AIGC_REVOKED_SESSIONS:-aigc-revoked-sessions}",
      description = "ConfigMap where sign-outs are recorded for every gateway replica: a name in the gateway's own namespace, "
          + "or namespace/name (env AIGC_REVOKED_SESSIONS). Default: ${DEFAULT-VALUE}.")
  String revokedSessions;

  @Option(names = "--insecure-dev-cookies", description = "Cookies without Secure, for plain-http development only.")
  boolean insecureCookies;

  @Option(names = "--proxy-mode", defaultValue = "${env:AIGC_PROXY_MODE:-NGINX}",
      description = "Who calls /auth: NGINX (X-Original-URL) or TRAEFIK (X-Forwarded-*) (env AIGC_PROXY_MODE).")
  GatewayServer.ProxyMode proxyMode;

  @Option(names = "--oidc-issuer", defaultValue = "${env:AIGC_OIDC_ISSUER}", description = "OIDC issuer URL (env AIGC_OIDC_ISSUER).")
  String issuer;

  @Option(names = "--oidc-client-id", defaultValue = "${env:AIGC_OIDC_CLIENT_ID}", description = "OIDC client ID (env AIGC_OIDC_CLIENT_ID).")
  String clientId;

  @Option(names = "--oidc-client-secret-file", defaultValue = "${env:AIGC_OIDC_CLIENT_SECRET_FILE}",
      description = "File holding the OIDC client secret (env AIGC_OIDC_CLIENT_SECRET_FILE; or env AIGC_OIDC_CLIENT_SECRET).")
  Path clientSecretFile;

  @Option(names = "--oidc-redirect-url", defaultValue = "${env:AIGC_OIDC_REDIRECT_URL}",
      description = "The callback registered with the provider (env AIGC_OIDC_REDIRECT_URL). Default: <public-url>/callback.")
  String redirectUrl;

  @Option(names = "--oidc-user-claim", defaultValue = "${env:AIGC_OIDC_USER_CLAIM:-sub}",
      description = "Claim naming the user: sub, preferred_username or email (env AIGC_OIDC_USER_CLAIM). Default: ${DEFAULT-VALUE}.")
  String userClaim;

  @Option(names = "--oidc-admin-claim", defaultValue = "${env:AIGC_OIDC_ADMIN_CLAIM:-groups}",
      description = "Claim that makes a user an admin (env AIGC_OIDC_ADMIN_CLAIM). Default: ${DEFAULT-VALUE}.")
  String adminClaim;

  @Option(names = "--oidc-admin-value", defaultValue = "${env:AIGC_OIDC_ADMIN_VALUE:-aigc-admins}",
      description = "Value of that claim for admins (env AIGC_OIDC_ADMIN_VALUE). Default: ${DEFAULT-VALUE}.")
  String adminValue;

  GatewaySettings settings() {
    require(publicUrl, "--public-url");
    require(instanceDomain, "--instance-domain");
    int colon = listen.lastIndexOf(':');
    if (colon < 0) throw new IllegalArgumentException("--listen must be host:port, got " + listen);
    return new GatewaySettings(publicUrl, instanceDomain, listen.substring(0, colon),
        Integer.parseInt(listen.substring(colon + 1)), sessionTtl, insecureCookies, proxyMode);
  }

  OidcSettings oidc() throws IOException {
    require(issuer, "--oidc-issuer");
    require(clientId, "--oidc-client-id");
    String secret = System.getenv("AIGC_OIDC_CLIENT_SECRET");
    if (clientSecretFile != null) secret = Files.readString(clientSecretFile, StandardCharsets.UTF_8).strip();
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException("an OIDC client secret is required: --oidc-client-secret-file or env AIGC_OIDC_CLIENT_SECRET");
    }
    String redirect = redirectUrl == null || redirectUrl.isBlank()
        ? publicUrl.replaceAll("/+$", "") + "/callback" : redirectUrl;
    return new OidcSettings(issuer, clientId, secret, redirect, userClaim, adminClaim, adminValue);
  }

  /** The revoked-session ConfigMap; a bare name is in {@code ownNamespace}, the namespace of the gateway's client. */
  SessionRevocations.Location revokedSessions(String ownNamespace) {
    String value = revokedSessions == null || revokedSessions.isBlank() ? SessionRevocations.DEFAULT_NAME : revokedSessions.strip();
    int slash = value.indexOf('/');
    if (slash < 0) return new SessionRevocations.Location(ownNamespace, value);
    if (slash == 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("--revoked-sessions must be name or namespace/name, got " + value);
    }
    return new SessionRevocations.Location(value.substring(0, slash), value.substring(slash + 1));
  }

  /** The keys file when one is named, else null: the keys are then in {@link #sessionKeysSecret}. */
  Path keysFile() {
    return sessionKeysFile;
  }

  /** The session-key Secret; a bare name is in {@code ownNamespace}, the namespace of the gateway's client. */
  SessionKeys.Location sessionKeysSecret(String ownNamespace) {
    String value = sessionKeysSecret == null || sessionKeysSecret.isBlank() ? "aigc-session-keys" : sessionKeysSecret;
    try {
      return SessionKeys.Location.parse(value, ownNamespace);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--session-keys-secret must be name or namespace/name, got " + value.strip());
    }
  }

  private static void require(String value, String flag) {
    if (value == null || value.isBlank()) throw new IllegalArgumentException(flag + " is required for the gateway");
  }
}
