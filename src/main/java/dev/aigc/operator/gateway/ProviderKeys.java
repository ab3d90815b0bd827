package dev.aigc.operator.gateway;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's signing keys (its JWKS), in memory, fetched and refreshed on a thread of their own
 * and never in a request: /auth and the API verify bearer tokens from memory (DESIGN invariant 7).
 *
 * <p>The keys are fetched once at start, then every {@link KeyRefresh#period()}. A token whose key is
 * not among them (the provider rotated its keys, or the key ID is made up) is refused at once (401),
 * and asks for a refresh in the background. Refreshes are coalesced and rate-limited: one starts at
 * most once per {@link KeyRefresh#minInterval()}, however many tokens ask, so made-up key IDs cannot
 * make the gateway hammer the provider. A failed fetch keeps the keys it had.
 */
final class ProviderKeys implements JWKSource<SecurityContext>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProviderKeys.class);

  /**
   * @param period how often the keys are fetched without being asked
   * @param minInterval the least time between the starts of two fetches
   * @param timeout connect and read timeout of one fetch
   */
  record KeyRefresh(Duration period, Duration minInterval, Duration timeout) {
    static final KeyRefresh DEFAULT = new KeyRefresh(Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  private static final int SIZE_LIMIT = 256 * 1024;
  private final URL jwksUri;
  private final KeyRefresh refresh;
  private final ResourceRetriever retriever;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "oidc-keys");
    t.setDaemon(true);
    return t;
  });
  private volatile JWKSet keys = new JWKSet();
  private final Object lock = new Object();
  /** When the last fetch started (System.nanoTime), or null before the first. */
  private Long lastStart;
  /** Completes when the fetch scheduled or under way lands; null when none is. */
  private CompletableFuture<Void> pending;

  ProviderKeys(URL jwksUri, KeyRefresh refresh) {
    this.jwksUri = jwksUri;
    this.refresh = refresh;
    int timeout = (int) refresh.timeout().toMillis();
    this.retriever = new DefaultResourceRetriever(timeout, timeout, SIZE_LIMIT);
  }

  /** Fetches the keys once on the calling thread (a start, not a request), then keeps them fresh. */
  ProviderKeys start() {
    synchronized (lock) {
      lastStart = System.nanoTime();
    }
    fetch();
    long period = refresh.period().toNanos();
    thread.scheduleWithFixedDelay(this::refresh, period, period, TimeUnit.NANOSECONDS);
    return this;
  }

  /** The keys the selector matches, from memory; none asks for a refresh and does not wait for it. */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    List<JWK> matches = selector.select(keys);
    if (matches.isEmpty()) refresh();
    return matches;
  }

  /**
   * Asks for a fetch: at once if the last one started at least {@code minInterval} ago, else when it
   * will have; nothing new if one is already scheduled or under way.
   *
   * @return completes when that fetch has landed (or failed)
   */
  CompletableFuture<Void> refresh() {
    synchronized (lock) {
      if (pending != null) return pending;
      if (thread.isShutdown()) return CompletableFuture.completedFuture(null);
      long wait = lastStart == null ? 0 : Math.max(0, lastStart + refresh.minInterval().toNanos() - System.nanoTime());
      CompletableFuture<Void> landed = new CompletableFuture<>();
      pending = landed;
      thread.schedule(() -> {
        synchronized (lock) {
          lastStart = System.nanoTime();
        }
        try {
          fetch();
        } finally {
          synchronized (lock) {
            pending = null;
          }
          landed.complete(null);
        }
      }, wait, TimeUnit.NANOSECONDS);
      return landed;
    }
  }

  private void fetch() {
    try {
      JWKSet fetched = JWKSet.parse(retriever.retrieveResource(jwksUri).getContent()).toPublicJWKSet();
      if (!ids(fetched).equals(ids(keys))) log.info("the provider's keys are now {}", ids(fetched));
      keys = fetched;
    } catch (Exception e) {
      log.warn("fetching the provider's keys from {} failed, keeping the {} known: {}", jwksUri, keys.size(), e.toString());
    }
  }

  private static String ids(JWKSet set) {
    return set.getKeys().stream().map(k -> String.valueOf(k.getKeyID())).sorted().collect(Collectors.joining(", ", "[", "]"));
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
