package dev.aigc.operator.reconcile;

import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Faults on one client (the operator's), not on the API server: other clients (the OKG simulator,
 * the test's kubectl) never meet them.
 *
 * <ul>
 *   <li>{@link #failNext}: the next request of that client matching a rule is sent to a path where
 *       the mock server answers the given 4xx once (a one-shot expectation), instead of where it was
 *       going; the object is not touched.
 *   <li>{@link #dieAfterWrites}: after its k-th write the client reaches nothing any more, as if the
 *       process had been killed right after that write reached the API server.
 * </ul>
 *
 * <p>Writes are POST, PUT, PATCH and DELETE; Events are not counted (they change no state the
 * operator reads back, so a crash right after one equals a crash right before the next write).
 */
public final class ClientFaults implements Interceptor {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
  /** Nothing listens on port 1 of the loopback: a dead client's requests are refused at once. */
  private static final URI NOWHERE = URI.create("http://127.0.0.1:1/");

  private final MockCluster cluster;
  private final List<Rule> rules = new ArrayList<>();
  private final AtomicInteger writes = new AtomicInteger();
  private final AtomicInteger faultsServed = new AtomicInteger();
  private final AtomicInteger nextFault = new AtomicInteger();
  private final AtomicBoolean dead = new AtomicBoolean();
  private final List<String> writeLog = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile int dieAfter = Integer.MAX_VALUE;

  private record Rule(String method, Predicate<String> path, int code, String description) {}

  public ClientFaults(MockCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * A client of {@code cluster} with these faults. When it is to die, it does not retry refused
   * connections either: a dead process retries nothing.
   */
  public KubernetesClient newClient() {
    boolean mortal = dieAfter != Integer.MAX_VALUE;
    return cluster.newClient(b -> {
      if (mortal) {
        b.withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(cluster.client().getConfiguration())
            .withRequestRetryBackoffLimit(0).build());
      }
      b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("test-faults", this));
    });
  }

  /** The next request with this method whose path matches answers {@code code} (a 4xx) instead. */
  public synchronized void failNext(String method, Predicate<String> path, int code, String description) {
    rules.add(new Rule(method, path, code, description));
  }

  /** The client dies right after its k-th write (counting from 1) was sent; call before {@link #newClient}. */
  public void dieAfterWrites(int k) {
    dieAfter = k;
  }

  public boolean dead() {
    return dead.get();
  }

  /** Writes sent so far (Events not counted). */
  public int writes() {
    return writes.get();
  }

  /** The writes sent so far, as "METHOD path", in order. */
  public List<String> writeLog() {
    synchronized (writeLog) {
      return List.copyOf(writeLog);
    }
  }

  /** Injected faults that requests of this client have met. */
  public int faultsServed() {
    return faultsServed.get();
  }

  /** Faults armed and not met yet. */
  public synchronized List<String> pendingFaults() {
    return rules.stream().map(Rule::description).toList();
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (dead.get()) {
      builder.uri(NOWHERE.resolve(request.uri().getRawPath()));
      return;
    }
    String method = request.method();
    String path = request.uri().getPath();
    Rule rule = take(method, path);
    if (rule != null) {
      // a fresh path per fault, so that the one-shot answer can only meet this request
      String faultPath = "/test-faults/" + nextFault.incrementAndGet();
      Status status = new StatusBuilder().withStatus("Failure").withCode(rule.code)
          .withReason(reasonOf(method, rule.code))
          .withMessage("injected by the test: " + rule.description).build();
      var expectation = cluster.server().expect();
      var withMethod = switch (method) {
        case "POST" -> expectation.post();
        case "PUT" -> expectation.put();
        case "PATCH" -> expectation.patch();
        case "DELETE" -> expectation.delete();
        default -> expectation.get();
      };
      withMethod.withPath(faultPath).andReturn(rule.code, status).once();
      builder.uri(request.uri().resolve(faultPath));
      faultsServed.incrementAndGet();
      return;
    }
    if (!WRITES.contains(method) || path.contains("/events")) return;
    int n = writes.incrementAndGet();
    writeLog.add(method + " " + path);
    if (n >= dieAfter) dead.set(true);
  }

  private synchronized Rule take(String method, String path) {
    for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
      Rule rule = it.next();
      if (rule.method.equals(method) && rule.path.test(path)) {
        it.remove();
        return rule;
      }
    }
    return null;
  }

  private static String reasonOf(String method, int code) {
    if (code == 409) return "POST".equals(method) ? "AlreadyExists" : "Conflict";
    if (code == 422) return "Invalid";
    return "BadRequest";
  }
}
