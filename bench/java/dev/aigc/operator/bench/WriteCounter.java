package dev.aigc.operator.bench;

import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts a client's API writes by resource (and subresource), e.g. "PATCH aigcinstances/status". */
public class WriteCounter implements Interceptor {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final LongAdder conflicts = new LongAdder();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (!WRITES.contains(request.method())) return;
    counts.computeIfAbsent(request.method() + " " + Telemetry.kindOf(request.uri().getPath()), k -> new LongAdder()).increment();
  }

  @Override
  public void after(HttpRequest request, io.fabric8.kubernetes.client.http.HttpResponse<?> response,
      io.fabric8.kubernetes.client.http.AsyncBody.Consumer<java.util.List<java.nio.ByteBuffer>> consumer) {
    if (WRITES.contains(request.method()) && response.code() == 409) conflicts.increment();
  }

  /** Writes the API server refused with 409 (and the client or JOSDK then retried). */
  public long conflicts() {
    return conflicts.sum();
  }

  public Map<String, Long> byKind() {
    Map<String, Long> result = new TreeMap<>();
    counts.forEach((k, v) -> result.put(k, v.sum()));
    return result;
  }

  public long total(String excludingResource) {
    return byKind().entrySet().stream().filter(e -> !e.getKey().endsWith(" " + excludingResource))
        .mapToLong(Map.Entry::getValue).sum();
  }
}
