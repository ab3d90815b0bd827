package dev.aigc.operator.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One OIDC provider: discovery read once, its keys held in memory and refreshed in the background
 * ({@link ProviderKeys}), the authorization code flow with PKCE, and verification of ID tokens
 * (signature, iss, aud, exp, nonce) and bearer tokens, which never waits on the network.
 */
public final class OidcProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.EdDSA);

  private final OidcSettings settings;
  private final HttpClient http;
  private final String authorizationEndpoint;
  private final String tokenEndpoint;
  private final String endSessionEndpoint;
  private final ProviderKeys keys;
  private final DefaultJWTProcessor<SecurityContext> idTokens;

  private OidcProvider(OidcSettings settings, HttpClient http, JsonNode discovery, ProviderKeys.KeyRefresh refresh) throws IOException {
    this.settings = settings;
    this.http = http;
    String issuer = discovery.path("issuer").asText();
    if (!issuer.equals(settings.issuer())) {
      throw new IOException("the provider says its issuer is " + issuer + ", not " + settings.issuer());
    }
    this.authorizationEndpoint = required(discovery, "authorization_endpoint");
    this.tokenEndpoint = required(discovery, "token_endpoint");
    this.endSessionEndpoint = discovery.path("end_session_endpoint").asText(null);
    this.keys = new ProviderKeys(URI.create(required(discovery, "jwks_uri")).toURL(), refresh).start();
    idTokens = new DefaultJWTProcessor<>();
    idTokens.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
    idTokens.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(settings.clientId(),
        new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), Set.of("sub", "iat", "exp")));
  }

  /** Reads the provider's discovery document once, and its keys (refreshed every 5 minutes, and when asked at most every 30 s). */
  public static OidcProvider discover(OidcSettings settings, HttpClient http) throws IOException, InterruptedException {
    return discover(settings, http, ProviderKeys.KeyRefresh.DEFAULT);
  }

  /**
   * As above, with the keys refreshed every {@code keyPeriod} and, when a token names a key not known,
   * at most once per {@code keyMinInterval}.
   */
  public static OidcProvider discover(OidcSettings settings, HttpClient http, Duration keyPeriod, Duration keyMinInterval)
      throws IOException, InterruptedException {
    return discover(settings, http, new ProviderKeys.KeyRefresh(keyPeriod, keyMinInterval, ProviderKeys.KeyRefresh.DEFAULT.timeout()));
  }

  private static OidcProvider discover(OidcSettings settings, HttpClient http, ProviderKeys.KeyRefresh refresh)
      throws IOException, InterruptedException {
    String base = settings.issuer().endsWith("/") ? settings.issuer().substring(0, settings.issuer().length() - 1) : settings.issuer();
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(base + "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException("OIDC discovery at " + base + " answered " + response.statusCode());
    return new OidcProvider(settings, http, JSON.readTree(response.body()), refresh);
  }

  /** A fresh random value for state, nonce and the PKCE verifier. */
  public static String randomToken() {
    return randomToken(32);
  }

  /** {@code bytes} random bytes, base64url without padding. */
  static String randomToken(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** The PKCE S256 challenge of a verifier. */
  public static String challenge(String verifier) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String authorizationUrl(String state, String nonce, String verifier) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("response_type", "code");
    query.put("client_id", settings.clientId());
    query.put("redirect_uri", settings.redirectUri());
    query.put("scope", "openid profile email");
    query.put("state", state);
    query.put("nonce", nonce);
    query.put("code_challenge", challenge(verifier));
    query.put("code_challenge_method", "S256");
    return authorizationEndpoint + (authorizationEndpoint.contains("?") ? "&" : "?") + form(query);
  }

  /** Where to end the provider's session after ours, if the provider supports that. */
  public Optional<String> endSessionUrl(String afterSignOut) {
    if (endSessionEndpoint == null) return Optional.empty();
    return Optional.of(endSessionEndpoint + (endSessionEndpoint.contains("?") ? "&" : "?")
        + form(Map.of("client_id", settings.clientId(), "post_logout_redirect_uri", afterSignOut)));
  }

  /** Trades the code for tokens and returns the verified ID token's claims. */
  public JWTClaimsSet redeem(String code, String verifier, String nonce) throws IOException, InterruptedException {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", "authorization_code");
    body.put("code", code);
    body.put("redirect_uri", settings.redirectUri());
    body.put("code_verifier", verifier);
    String basic = Base64.getEncoder().encodeToString((enc(settings.clientId()) + ":" + enc(settings.clientSecret()))
        .getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(tokenEndpoint))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic " + basic)
        .POST(HttpRequest.BodyPublishers.ofString(form(body))).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException("the token endpoint answered " + response.statusCode());
    String idToken = JSON.readTree(response.body()).path("id_token").asText(null);
    if (idToken == null) throw new IOException("the token endpoint sent no id_token");
    JWTClaimsSet claims = verify(idToken).orElseThrow(() -> new IOException("the ID token did not verify"));
    if (!nonce.equals(claims.getClaim("nonce"))) throw new IOException("the ID token's nonce does not match this sign-in");
    return claims;
  }

  /**
   * The claims of a token signed by the provider for this client and not expired; empty otherwise.
   * From memory: a token signed with a key not known yet is refused, and asks for a refresh.
   */
  public Optional<JWTClaimsSet> verify(String token) {
    try {
      return Optional.of(idTokens.process(token, null));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Who the claims say the user is, and whether an admin. */
  public Identity identity(JWTClaimsSet claims) {
    return identity(claims, settings);
  }

  static Identity identity(JWTClaimsSet claims, OidcSettings settings) {
    String user = claimText(claims, settings.userClaim());
    // an address the provider has not verified is whatever its user typed (at a provider that lets
    // users edit it, bob would sign in as alice@…): only a verified one names a user
    if ("email".equals(settings.userClaim()) && !verifiedEmail(claims)) user = null;
    String email = claimText(claims, "email");
    boolean admin = false;
    if (settings.adminClaim() != null && !settings.adminClaim().isBlank()) {
      Object value = claims.getClaim(settings.adminClaim());
      admin = value instanceof Collection<?> values ? values.stream().anyMatch(v -> String.valueOf(v).equals(settings.adminValue()))
          : value != null && String.valueOf(value).equals(settings.adminValue());
    }
    return new Identity(user, email, admin);
  }

  /** @param user null when the configured claim is missing */
  public record Identity(String user, String email, boolean admin) {}

  /** Stops refreshing the keys. */
  @Override
  public void close() {
    keys.close();
  }

  /** OIDC Core's email_verified, a boolean (some providers send the string "true"). */
  private static boolean verifiedEmail(JWTClaimsSet claims) {
    Object verified = claims.getClaim("email_verified");
    return Boolean.TRUE.equals(verified) || "true".equals(verified);
  }

  private static String claimText(JWTClaimsSet claims, String name) {
    Object value = claims.getClaim(name);
    return value == null || String.valueOf(value).isBlank() ? null : String.valueOf(value);
  }

  private static String required(JsonNode discovery, String field) throws IOException {
    String value = discovery.path(field).asText(null);
    if (value == null) throw new IOException("OIDC discovery lacks " + field);
    return value;
  }

  private static String form(Map<String, String> values) {
    return values.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
