package dev.aigc.operator.gateway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session keys kept in a Secret that the gateway makes itself at its first start, so that nothing
 * that renders the chart (helm template under Argo CD or Flux) has to invent a key: a key rendered
 * anew each time would sign everyone out on every sync.
 *
 * <p>Get or create: read the Secret; when there is none, create it under its fixed name with one new
 * key; when another replica created it first (409), read that one. Every replica thus ends up with the
 * same keys, whatever the order they start in, and a restart never changes them. The format is that of
 * {@link SessionCodec#readKeys}: key {@value #KEY}, one base64 key per line, the sealing key first, so
 * an admin rotates by adding a line at the top and restarting the gateways.
 */
public final class SessionKeys {
  private static final Logger log = LoggerFactory.getLogger(SessionKeys.class);
  /** The Secret's data key. */
  public static final String KEY = "keys";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Where the Secret lives. */
  public record Location(String namespace, String name) {
    public Location {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
    }

    /** {@code name} in {@code ownNamespace}, or {@code namespace/name}. */
    public static Location parse(String value, String ownNamespace) {
      String v = value.strip();
      int slash = v.indexOf('/');
      if (slash < 0 && !v.isEmpty()) return new Location(ownNamespace, v);
      if (slash <= 0 || slash == v.length() - 1 || v.indexOf('/', slash + 1) >= 0) {
        throw new IllegalArgumentException("a session-key Secret must be name or namespace/name, got " + v);
      }
      return new Location(v.substring(0, slash), v.substring(slash + 1));
    }
  }

  private SessionKeys() {}

  /** The keys in the Secret at {@code where}, which this call creates with one new key if it does not exist. */
  public static List<byte[]> getOrCreate(KubernetesClient client, Location where) {
    var resource = client.secrets().inNamespace(where.namespace()).withName(where.name());
    Secret secret = resource.get();
    if (secret == null) {
      byte[] key = new byte[32];
      RANDOM.nextBytes(key);
      Secret fresh = new SecretBuilder().withNewMetadata().withName(where.name()).withNamespace(where.namespace())
          .addToLabels("app.kubernetes.io/component", "gateway").endMetadata()
          .withType("Opaque")
          .withData(Map.of(KEY, encode(Base64.getEncoder().encodeToString(key) + "\n"))).build();
      try {
        secret = client.secrets().inNamespace(where.namespace()).resource(fresh).create();
        log.info("created the session-key Secret {}/{}", where.namespace(), where.name());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) throw e;
        secret = resource.get(); // another replica made it first: use its keys
        if (secret == null) throw new IllegalStateException("the session-key Secret " + where + " was created and is gone");
      }
    }
    return parse(secret, where);
  }

  static List<byte[]> parse(Secret secret, Location where) {
    String data = secret.getData() == null ? null : secret.getData().get(KEY);
    if (data == null) throw new IllegalStateException("the Secret " + where.namespace() + "/" + where.name() + " has no key \"" + KEY + "\"");
    String source = "the Secret " + where.namespace() + "/" + where.name();
    List<byte[]> keys = SessionCodec.parseKeys(new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8), source);
    if (keys.isEmpty()) throw new IllegalStateException(source + " holds no key");
    return keys;
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
