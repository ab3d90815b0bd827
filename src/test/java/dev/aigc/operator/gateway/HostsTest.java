package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class HostsTest {
  @Test
  void hostsAreComparedAsDnsComparesThem() {
    assertThat(Hosts.normalize(" Alice.Example.COM.:8443")).contains("alice.example.com");
    assertThat(Hosts.normalize("alice.example.com:")).contains("alice.example.com");
    assertThat(Hosts.normalize("a")).contains("a");
    assertThat(Hosts.normalize("alice..example.com")).isEmpty();
    assertThat(Hosts.normalize("-alice.example.com")).isEmpty();
    assertThat(Hosts.normalize("alice_bob.example.com")).isEmpty();
    assertThat(Hosts.normalize("alice.example.com:80x")).isEmpty();
    assertThat(Hosts.normalize("[::1]:80")).isEmpty();
    assertThat(Hosts.normalize(".")).isEmpty();
    assertThat(Hosts.normalize("a".repeat(254))).isEmpty();
  }

  /** The hand-written check accepts exactly what the DNS-name pattern it replaced accepted. */
  @Property(tries = 3000)
  void normalizeAgreesWithTheDnsNamePattern(@ForAll("hostLike") String host) {
    assertThat(Hosts.normalize(host)).isEqualTo(byPattern(host));
  }

  @Provide
  Arbitrary<String> hostLike() {
    return Arbitraries.strings().withChars("aZz09.-:_ []K\u212A\u0661").ofMinLength(0).ofMaxLength(12);
  }

  private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");

  private static Optional<String> byPattern(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    int colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(']') < 0) {
      String port = h.substring(colon + 1);
      if (!port.isEmpty() && !port.chars().allMatch(Character::isDigit)) return Optional.empty();
      h = h.substring(0, colon);
    }
    if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
    if (h.isEmpty() || h.length() > 253 || !DNS_NAME.matcher(h).matches() || h.contains("..")) return Optional.empty();
    return Optional.of(h);
  }
}
