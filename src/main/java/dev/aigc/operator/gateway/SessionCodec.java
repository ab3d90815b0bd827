package dev.aigc.operator.gateway;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless sessions: the cookie is a JWE (direct AES-256-GCM, so encrypted and authenticated),
 * which any gateway replica holding the keys can read. Keys rotate: the first one seals, every one
 * opens, each found by the key ID in the header. Each session carries an ID ({@code jti}) that
 * sign-out revokes; a session the {@link SessionRevocations} name no longer opens.
 */
public final class SessionCodec {
  private static final JOSEObjectType SESSION = new JOSEObjectType("aigc-session");
  private static final JOSEObjectType FLOW = new JOSEObjectType("aigc-sign-in");
  private static final Duration FLOW_TTL = Duration.ofMinutes(10);
  private final Map<String, SecretKey> keys;
  private final String sealingKeyId;
  private final Duration ttl;
  private final Clock clock;
  private final SessionRevocations revocations;
  /**
   * Sessions already decrypted, by the cookie's last part (the GCM authentication tag: 22 characters
   * to hash instead of the whole cookie's 600 or more), each with the whole cookie it came from,
   * which a request's cookie must equal. Bounded (about 1 KB an entry), and cleared whole when full.
   */
  private final ConcurrentHashMap<String, Opened> opened = new ConcurrentHashMap<>();
  private static final int OPENED_MAX = 20_000;

  private record Opened(String cookie, Session session) {}

  /** Sessions whose revocations this process alone knows (a single gateway, tests). */
  public SessionCodec(List<byte[]> keys, Duration ttl, Clock clock) {
    this(keys, ttl, clock, SessionRevocations.inMemory(clock));
  }

  public SessionCodec(List<byte[]> keys, Duration ttl, Clock clock, SessionRevocations revocations) {
    if (keys.isEmpty()) throw new IllegalArgumentException("at least one session key is required");
    this.keys = new LinkedHashMap<>();
    for (byte[] key : keys) {
      if (key.length != 32) throw new IllegalArgumentException("session keys must be 32 bytes (256 bits), got " + key.length);
      this.keys.put(keyId(key), new SecretKeySpec(key, "AES"));
    }
    this.sealingKeyId = this.keys.keySet().iterator().next();
    this.ttl = ttl;
    this.clock = clock;
    this.revocations = revocations;
  }

  /** Where sign-out ends sessions. */
  public SessionRevocations revocations() {
    return revocations;
  }

  /** Keys from a file: one base64-encoded 32-byte key per line, the sealing key first; # starts a comment. */
  public static List<byte[]> readKeys(Path file) throws IOException {
    try {
      return parseKeys(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage());
    }
  }

  /** Keys in the format of {@link #readKeys}, from {@code source} (named in errors, which never show a key). */
  static List<byte[]> parseKeys(String text, String source) {
    List<byte[]> keys = new ArrayList<>();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
      try {
        keys.add(Base64.getDecoder().decode(trimmed));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": a line is not base64 (its content is not shown)");
      }
    }
    return keys;
  }

  public Duration ttl() {
    return ttl;
  }

  /** A new session for {@code user}, sealed into a cookie value. */
  public String seal(String user, String email, boolean admin) {
    return seal(SESSION, new JWTClaimsSet.Builder().subject(user).claim("email", email).claim("admin", admin)
        .jwtID(OidcProvider.randomToken(16)), ttl);
  }

  /**
   * The session in a cookie value; empty when it is missing, malformed, tampered with, foreign,
   * expired or revoked.
   */
  public Optional<Session> open(String cookie) {
    if (cookie == null) return Optional.empty();
    // /auth sees the same cookie on every request of a page: decrypt it once, re-check expiry and
    // revocation (both from memory) each time
    String tag = cookie.substring(cookie.lastIndexOf('.') + 1);
    Opened known = opened.get(tag);
    if (known == null || !known.cookie().equals(cookie)) {
      Session session = decrypt(cookie).orElse(null);
      if (session == null) return Optional.empty();
      if (opened.size() >= OPENED_MAX) opened.clear();
      known = new Opened(cookie, session);
      opened.put(tag, known);
    }
    Session session = known.session();
    return session.expiresAt().isAfter(clock.instant()) && !revocations.revoked(session) ? Optional.of(session) : Optional.empty();
  }

  private Optional<Session> decrypt(String cookie) {
    return openClaims(cookie, SESSION).map(claims -> {
      try {
        // a session sealed before sessions had IDs is named by its cookie, which is as unique
        String id = claims.getJWTID() != null ? claims.getJWTID() : digest(cookie);
        return new Session(claims.getSubject(), claims.getStringClaim("email"),
            Boolean.TRUE.equals(claims.getBooleanClaim("admin")), claims.getExpirationTime().toInstant(), id,
            claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant());
      } catch (ParseException e) {
        return null;
      }
    });
  }

  /** 22 URL-safe characters naming a cookie: the first 128 bits of its SHA-256. */
  static String digest(String cookie) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(cookie.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(hash, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What a sign-in must remember between leaving for the provider and coming back, sealed for ten minutes. */
  public record SignInFlow(String state, String nonce, String verifier, String redirect) {}

  public String sealFlow(SignInFlow flow) {
    return seal(FLOW, new JWTClaimsSet.Builder().subject("sign-in").claim("state", flow.state())
        .claim("nonce", flow.nonce()).claim("verifier", flow.verifier()).claim("rd", flow.redirect()), FLOW_TTL);
  }

  public Optional<SignInFlow> openFlow(String cookie) {
    return openClaims(cookie, FLOW).map(claims -> {
      try {
        return new SignInFlow(claims.getStringClaim("state"), claims.getStringClaim("nonce"),
            claims.getStringClaim("verifier"), claims.getStringClaim("rd"));
      } catch (ParseException e) {
        return null;
      }
    });
  }

  private String seal(JOSEObjectType type, JWTClaimsSet.Builder claims, Duration lifetime) {
    Instant now = clock.instant();
    claims.issueTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime)));
    EncryptedJWT jwt = new EncryptedJWT(
        new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM).type(type).keyID(sealingKeyId).build(), claims.build());
    try {
      jwt.encrypt(new DirectEncrypter(keys.get(sealingKeyId)));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot seal a cookie", e);
    }
    return jwt.serialize();
  }

  private Optional<JWTClaimsSet> openClaims(String cookie, JOSEObjectType type) {
    if (cookie == null || cookie.isEmpty() || cookie.length() > 4096) return Optional.empty();
    try {
      EncryptedJWT jwt = EncryptedJWT.parse(cookie);
      JWEHeader header = jwt.getHeader();
      if (!JWEAlgorithm.DIR.equals(header.getAlgorithm()) || !EncryptionMethod.A256GCM.equals(header.getEncryptionMethod())
          || !type.equals(header.getType())) {
        return Optional.empty();
      }
      SecretKey key = keys.get(header.getKeyID());
      if (key == null) return Optional.empty();
      jwt.decrypt(new DirectDecrypter(key));
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date expires = claims.getExpirationTime();
      if (claims.getSubject() == null || expires == null || !expires.toInstant().isAfter(clock.instant())) {
        return Optional.empty();
      }
      return Optional.of(claims);
    } catch (ParseException | JOSEException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A short, non-secret name for a key: the first bytes of its SHA-256. */
  static String keyId(byte[] key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
