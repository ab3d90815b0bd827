package dev.aigc.operator.bench;

import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts a client's API writes by resource (and subresource), e.g. "PATCH aigcinstances/status",
 * and those the server refused with 409. With {@code samples > 0} it also keeps the first request
 * bodies of each kind, to show what a write was for.
 */
public class WriteCounter implements Interceptor {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> conflicts = new ConcurrentHashMap<>();
  /** GETs that are not watches (a get by name, a list), by kind: each costs the mock server a scan. */
  private final Map<String, LongAdder> reads = new ConcurrentHashMap<>();
  private final Map<String, List<String>> bodies = new ConcurrentHashMap<>();
  /** Round trips of writes, by kind: when each was sent (request id to nanoTime), and how long each took. */
  private static final String MARK = "X-Bench-Write";
  private final java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
  private final Map<String, Long> sent = new ConcurrentHashMap<>();
  private final Map<String, java.util.Queue<Long>> roundTrips = new ConcurrentHashMap<>();
  private final int samples;

  public WriteCounter() {
    this(0);
  }

  public WriteCounter(int samples) {
    this.samples = samples;
  }

  private static String kind(HttpRequest request) {
    return request.method() + " " + Telemetry.kindOf(request.uri().getPath());
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if ("GET".equals(request.method())) {
      String query = request.uri().getQuery();
      if (query == null || !query.contains("watch=true")) reads.computeIfAbsent(kind(request), k -> new LongAdder()).increment();
      return;
    }
    if (!WRITES.contains(request.method())) return;
    String kind = kind(request);
    counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
    // the request seen after the exchange is another object: a header ties the two together
    String id = Long.toString(ids.incrementAndGet());
    builder.setHeader(MARK, id);
    sent.put(id, System.nanoTime());
    if (samples > 0) {
      List<String> list = bodies.computeIfAbsent(kind, k -> new ArrayList<>());
      synchronized (list) {
        if (list.size() < samples) list.add(request.uri().getPath() + " " + request.bodyString());
      }
    }
  }

  @Override
  public void after(HttpRequest request, io.fabric8.kubernetes.client.http.HttpResponse<?> response,
      io.fabric8.kubernetes.client.http.AsyncBody.Consumer<java.util.List<java.nio.ByteBuffer>> consumer) {
    if (!WRITES.contains(request.method())) return;
    String id = request.header(MARK);
    Long t = id == null ? null : sent.remove(id);
    if (t != null) roundTrips.computeIfAbsent(kind(request), k -> new java.util.concurrent.ConcurrentLinkedQueue<>()).add(System.nanoTime() - t);
    if (response.code() == 409) conflicts.computeIfAbsent(kind(request), k -> new LongAdder()).increment();
  }

  /** Every write's round trip so far, by kind, in milliseconds, sorted; and the marks to split them by phase. */
  public Map<String, List<Double>> roundTripsMillis(Map<String, Integer> from) {
    Map<String, List<Double>> result = new TreeMap<>();
    roundTrips.forEach((k, q) -> {
      List<Double> all = new ArrayList<>();
      for (Long n : q) all.add(n / 1e6);
      List<Double> since = new ArrayList<>(all.subList(Math.min(all.size(), from.getOrDefault(k, 0)), all.size()));
      java.util.Collections.sort(since);
      if (!since.isEmpty()) result.put(k, since);
    });
    return result;
  }

  /** How many round trips of each kind are recorded so far: a mark for {@link #roundTripsMillis}. */
  public Map<String, Integer> roundTripMark() {
    Map<String, Integer> result = new TreeMap<>();
    roundTrips.forEach((k, q) -> result.put(k, q.size()));
    return result;
  }

  /** Writes the API server refused with 409 (and the client or JOSDK then retried). */
  public long conflicts() {
    return conflicts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  public Map<String, Long> conflictsByKind() {
    Map<String, Long> result = new TreeMap<>();
    conflicts.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  public Map<String, Long> byKind() {
    Map<String, Long> result = new TreeMap<>();
    counts.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  public Map<String, Long> readsByKind() {
    Map<String, Long> result = new TreeMap<>();
    reads.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  public Map<String, List<String>> samples() {
    return new TreeMap<>(bodies);
  }

  public long total(String excludingResource) {
    return total(byKind(), excludingResource);
  }

  static long total(Map<String, Long> byKind, String excludingResource) {
    return byKind.entrySet().stream().filter(e -> !e.getKey().endsWith(" " + excludingResource))
        .mapToLong(Map.Entry::getValue).sum();
  }

  /** {@code after} minus {@code before}, kind by kind, without the kinds that did not change. */
  static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> result = new TreeMap<>();
    after.forEach((k, v) -> {
      long d = v - before.getOrDefault(k, 0L);
      if (d != 0) result.put(k, d);
    });
    return result;
  }
}
