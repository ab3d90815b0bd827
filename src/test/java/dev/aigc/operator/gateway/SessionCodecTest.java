package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionCodecTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final byte[] KEY_A = key();
  private static final byte[] KEY_B = key();

  private static byte[] key() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  private static SessionCodec codec(Instant now, byte[]... keys) {
    return new SessionCodec(List.of(keys), Duration.ofHours(8), Clock.fixed(now, ZoneOffset.UTC));
  }

  @Test
  void aSealedSessionOpensWithTheSameKeys() {
    String cookie = codec(NOW, KEY_A).seal("alice", "alice@example.com", true);
    Session s = codec(NOW.plusSeconds(60), KEY_A).open(cookie).orElseThrow();
    assertThat(s.user()).isEqualTo("alice");
    assertThat(s.email()).isEqualTo("alice@example.com");
    assertThat(s.admin()).isTrue();
    assertThat(s.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(8)));
    assertThat(cookie).doesNotContain("alice");
  }

  @Test
  void anExpiredSessionDoesNotOpen() {
    String cookie = codec(NOW, KEY_A).seal("alice", null, false);
    assertThat(codec(NOW.plus(Duration.ofHours(8)).plusSeconds(1), KEY_A).open(cookie)).isEmpty();
  }

  @Test
  void aTamperedSessionDoesNotOpen() {
    String cookie = codec(NOW, KEY_A).seal("alice", null, false);
    String[] parts = cookie.split("\\.");
    byte[] ciphertext = Base64.getUrlDecoder().decode(parts[3]);
    ciphertext[0] ^= 1;
    parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString(ciphertext);
    assertThat(codec(NOW, KEY_A).open(String.join(".", parts))).isEmpty();
  }

  @Test
  void aSessionSealedWithAForeignKeyDoesNotOpen() {
    String cookie = codec(NOW, KEY_B).seal("mallory", null, true);
    assertThat(codec(NOW, KEY_A).open(cookie)).isEmpty();
  }

  @Test
  void missingOrMalformedCookiesDoNotOpen() {
    SessionCodec codec = codec(NOW, KEY_A);
    assertThat(codec.open(null)).isEmpty();
    assertThat(codec.open("")).isEmpty();
    assertThat(codec.open("not-a-jwe")).isEmpty();
    String unsigned = new PlainJWT(new JWTClaimsSet.Builder().subject("alice")
        .expirationTime(Date.from(NOW.plusSeconds(600))).build()).serialize();
    assertThat(codec.open(unsigned)).as("alg none").isEmpty();
  }

  @Test
  void aSignedButUnencryptedTokenWithTheKeyDoesNotOpen() throws Exception {
    SignedJWT jws = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("alice")
        .expirationTime(Date.from(NOW.plusSeconds(600))).build());
    jws.sign(new MACSigner(KEY_A));
    assertThat(codec(NOW, KEY_A).open(jws.serialize())).isEmpty();
  }

  @Test
  void keysRotateTheFirstSealsAndAllOpen() {
    String old = codec(NOW, KEY_A).seal("alice", null, false);
    SessionCodec rotated = codec(NOW, KEY_B, KEY_A);
    assertThat(rotated.open(old)).as("sessions sealed with the previous key still open").isPresent();
    String fresh = rotated.seal("bob", null, false);
    assertThat(codec(NOW, KEY_B).open(fresh)).isPresent();
    assertThat(codec(NOW, KEY_A).open(fresh)).as("the new key seals").isEmpty();
  }

  @Test
  void keysComeFromAFileAndMustBe256Bits(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys");
    Files.writeString(file, "# current first\n" + Base64.getEncoder().encodeToString(KEY_B) + "\n\n"
        + Base64.getEncoder().encodeToString(KEY_A) + "\n");
    assertThat(SessionCodec.readKeys(file)).hasSize(2);
    assertThatThrownBy(() -> new SessionCodec(List.of(new byte[16]), Duration.ofHours(1), Clock.systemUTC()))
        .hasMessageContaining("32 bytes");
    Files.writeString(file, "s3cr3t-not-base64!\n");
    assertThatThrownBy(() -> SessionCodec.readKeys(file)).hasMessageNotContaining("s3cr3t");
  }

  @Test
  void eachSessionHasItsOwnIdAndIssueTime() {
    SessionCodec codec = codec(NOW, KEY_A);
    Session first = codec.open(codec.seal("alice", null, false)).orElseThrow();
    Session second = codec.open(codec.seal("alice", null, false)).orElseThrow();
    assertThat(first.id()).matches("[A-Za-z0-9_-]{22}").isNotEqualTo(second.id());
    assertThat(first.issuedAt()).isEqualTo(NOW);
  }

  @Test
  void aSessionSealedWithoutAnIdIsNamedByItsCookie() throws Exception {
    // as the gateway sealed sessions before they carried a jti
    EncryptedJWT legacy = new EncryptedJWT(new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM)
        .type(new JOSEObjectType("aigc-session")).keyID(SessionCodec.keyId(KEY_A)).build(),
        new JWTClaimsSet.Builder().subject("alice").issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(600))).build());
    legacy.encrypt(new DirectEncrypter(KEY_A));
    String cookie = legacy.serialize();
    Session session = codec(NOW, KEY_A).open(cookie).orElseThrow();
    assertThat(session.id()).matches("[A-Za-z0-9_-]{22}").isEqualTo(codec(NOW, KEY_A).open(cookie).orElseThrow().id());

    SessionRevocations revocations = SessionRevocations.inMemory(Clock.fixed(NOW, ZoneOffset.UTC));
    SessionCodec codec = new SessionCodec(List.of(KEY_A), Duration.ofHours(8), Clock.fixed(NOW, ZoneOffset.UTC), revocations);
    revocations.revoke(session);
    assertThat(codec.open(cookie)).as("so that sign-out can revoke it too").isEmpty();
  }

  @Test
  void aRevokedSessionNoLongerOpensEvenOnceOpenedAndOthersStillDo() {
    SessionRevocations revocations = SessionRevocations.inMemory(Clock.fixed(NOW, ZoneOffset.UTC));
    SessionCodec codec = new SessionCodec(List.of(KEY_A), Duration.ofHours(8), Clock.fixed(NOW, ZoneOffset.UTC), revocations);
    String alice = codec.seal("alice", null, false);
    String aliceElsewhere = codec.seal("alice", null, false);
    Session opened = codec.open(alice).orElseThrow(); // now in the codec's cache of decrypted cookies

    assertThat(revocations.revoke(opened)).isEqualTo(SessionRevocations.Outcome.LOCAL);
    assertThat(codec.open(alice)).isEmpty();
    assertThat(codec.open(aliceElsewhere)).as("sign-out ends one session, not the user's others").isPresent();
  }

  @Test
  void aCachedSessionStopsOpeningTheMomentItExpires() {
    MutableClock clock = new MutableClock(NOW);
    SessionCodec codec = new SessionCodec(List.of(KEY_A), Duration.ofHours(8), clock);
    String alice = codec.seal("alice", null, false);
    assertThat(codec.open(alice)).isPresent(); // now in the codec's cache of decrypted cookies

    clock.now = NOW.plus(Duration.ofHours(8)).minusMillis(1);
    assertThat(codec.open(alice)).isPresent();
    clock.now = NOW.plus(Duration.ofHours(8));
    assertThat(codec.open(alice)).as("expired, though decrypted before").isEmpty();
  }

  @Test
  void aCachedSessionIsRefusedOnceACutoffCoversIt() {
    MutableClock clock = new MutableClock(NOW);
    SessionRevocations revocations = SessionRevocations.inMemory(clock);
    SessionCodec codec = new SessionCodec(List.of(KEY_A), Duration.ofHours(8), clock, revocations);
    String before = codec.seal("alice", null, false);
    assertThat(codec.open(before)).isPresent();
    clock.now = NOW.plusSeconds(60);
    String after = codec.seal("alice", null, false);

    // the record another replica wrote when the revoked-session list was full
    revocations.load(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .addToData(SessionRevocations.ISSUED_BEFORE, Long.toString(NOW.plusSeconds(30).getEpochSecond())).build());
    assertThat(codec.open(before)).as("issued before the cutoff, though decrypted before").isEmpty();
    assertThat(codec.open(after)).isPresent();
  }

  @Test
  void aCookieThatEndsLikeAnOpenedOneIsNotTakenForIt() {
    SessionCodec codec = codec(NOW, KEY_A);
    String alice = codec.seal("alice", null, false);
    assertThat(codec.open(alice)).isPresent(); // cached under its last part, the authentication tag
    String[] parts = alice.split("\\.");
    byte[] ciphertext = Base64.getUrlDecoder().decode(parts[3]);
    ciphertext[0] ^= 1;
    parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString(ciphertext);
    String forged = String.join(".", parts);

    assertThat(forged).endsWith(alice.substring(alice.lastIndexOf('.')));
    assertThat(codec.open(forged)).as("same tag, other content").isEmpty();
    assertThat(codec.open(alice)).isPresent();
  }

  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override public Instant instant() { return now; }
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
  }
}
