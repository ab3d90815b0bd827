package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.ActivityPublisher;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewayVertx;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 12's activity figures. (1) Writes of status.lastActivity per instance-hour: 100 instances
 * in steady use through two gateway replicas for one simulated hour, each replica running
 * {@link ActivityPublisher#due} every 5 s over its own touches; against the naive baseline of a
 * write per request. (2) /auth latency with activity
 * recording on (the directory's touch, and the publisher ticking and writing to a mock API server)
 * against off (touches ignored), two gateways in this one JVM, each on its own Vert.x as the gateway
 * runs it, runs alternating, each request one of 1,000 users' sessions at that user's host.
 *
 * <p>The simulation models each replica's informer as the API server's state of a moment ago and the
 * precondition on resourceVersion that the publisher puts in its activity writes.
 *
 * <p>Run: {@code bench/activity.sh [seconds per run, default 3] [repeats, default 5]}. Prints figures; asserts nothing.
 */
public final class ActivityBench {
  private static final int SIMULATED_INSTANCES = 100;
  private static final int USERS = 1000;
  private static final int[] CONNECTIONS = {1, 16};

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 && args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 3;
    int repeats = args.length > 1 && args[1].matches("\\d+") ? Integer.parseInt(args[1]) : 5;
    writesPerInstanceHour();
    authLatency(seconds, repeats);
    System.exit(0);
  }

  // ---- (1) writes per instance-hour, simulated time ----

  private static void writesPerInstanceHour() {
    System.out.printf("activity writes per instance-hour: %d instances in use for one simulated hour, 2 gateway replicas "
        + "(requests alternate between them, Poisson arrivals), publisher tick %ds%n", SIMULATED_INSTANCES, ActivityPublisher.TICK.toSeconds());
    System.out.printf("%-46s %8s %12s %22s %12s %12s%n", "replica ticks / informer lag", "req/s/i", "requests", "writes/instance-hour",
        "409s/i-h", "naive");
    record Setup(String name, long phaseMillis, long lagMillis) {}
    for (Setup setup : List.of(new Setup("aligned ticks, informer lag 100 ms", 0, 100),
        new Setup("ticks 2.5 s apart, informer lag 100 ms", 2_500, 100),
        new Setup("ticks 50 ms apart, informer lag 100 ms", 50, 100))) {
      for (double rate : new double[] {0.02, 0.2, 1, 10, 50}) {
        long[] result = simulateHour(rate, setup.phaseMillis(), setup.lagMillis(), new java.util.Random(42));
        System.out.printf(Locale.ROOT, "%-46s %8s %12d %22.1f %12.1f %12.0f%n", setup.name(), rate, result[0],
            result[1] / (double) SIMULATED_INSTANCES, result[2] / (double) SIMULATED_INSTANCES, result[0] / (double) SIMULATED_INSTANCES);
      }
    }
  }

  /** One stored status.lastActivity and its resourceVersion, from {@code at} on. */
  private record Stored(long at, String value, long version) {}

  /**
   * One hour at {@code rate} requests per second per instance. Replica 0 ticks at 5 s, 10 s, ...,
   * replica 1 {@code phaseMillis} later; each sees the API server's state of {@code lagMillis} ago
   * (its informer) and writes conditionally on the version it saw, as {@link ActivityPublisher} does.
   * Returns {requests, writes, refused writes}.
   */
  private static long[] simulateHour(double rate, long phaseMillis, long lagMillis, java.util.Random random) {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    long tickMillis = ActivityPublisher.TICK.toMillis();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < SIMULATED_INSTANCES; i++) keys.add("bench/user-" + i + "-sd");
    Map<String, List<Stored>> stored = new HashMap<>();
    for (String key : keys) stored.put(key, new ArrayList<>(List.of(new Stored(0, null, 1))));
    List<Map<String, Instant>> touches = List.of(new HashMap<>(), new HashMap<>());
    List<Map<String, Instant>> written = List.of(new HashMap<>(), new HashMap<>());
    double[] next = new double[SIMULATED_INSTANCES];
    for (int i = 0; i < next.length; i++) next[i] = -Math.log(1 - random.nextDouble()) / rate * 1000;
    long requests = 0;
    long writes = 0;
    long refused = 0;
    int turn = 0;
    for (long k = 1; k * tickMillis <= 3_600_000; k++) {
      for (int r = 0; r < 2; r++) {
        long now = k * tickMillis + (r == 1 ? phaseMillis : 0);
        for (int i = 0; i < SIMULATED_INSTANCES; i++) {
          while (next[i] <= now) {
            touches.get(turn++ % 2).put(keys.get(i), start.plusMillis((long) next[i]));
            requests++;
            next[i] += -Math.log(1 - random.nextDouble()) / rate * 1000;
          }
        }
        List<InstanceDirectory.Entry> entries = new ArrayList<>();
        Map<String, Long> seenVersion = new HashMap<>();
        for (String key : keys) {
          Stored view = null;
          for (Stored s : stored.get(key)) if (s.at() <= now - lagMillis) view = s;
          if (view == null) view = stored.get(key).get(0);
          seenVersion.put(key, view.version());
          entries.add(new InstanceDirectory.Entry("bench", key.substring(6), "u", InstancePhase.Running, view.value(), null));
        }
        for (ActivityPublisher.Write w : ActivityPublisher.due(entries, touches.get(r), written.get(r))) {
          List<Stored> history = stored.get(w.key());
          Stored current = history.get(history.size() - 1);
          if (current.version() != seenVersion.get(w.key())) {
            refused++;
            continue;
          }
          history.add(new Stored(now, w.lastActivity().toString(), current.version() + 1));
          if (history.size() > 4) history.remove(0);
          written.get(r).put(w.key(), w.lastActivity());
          writes++;
        }
      }
    }
    return new long[] {requests, writes, refused};
  }

  // ---- (2) /auth with recording on and off ----

  private record Side(String name, GatewayServer server, Vertx vertx, int port) {}

  private static void authLatency(int seconds, int repeats) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionCodec sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    MockCluster cluster = MockCluster.start();
    KubernetesClient client = cluster.client();
    InstanceDirectory on = new InstanceDirectory(true);
    InstanceDirectory off = new InstanceDirectory(false);
    List<String[]> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      String host = "instances" + i + "-cpu.example.com";
      AigcInstance instance = AuthBench.instance("user-" + i, host);
      client.resource(instance).create(); // so that the publisher's writes land, as in a cluster
      on.upsert(instance);
      off.upsert(instance);
      users.add(new String[] {host, GatewayServer.SESSION_COOKIE + "=" + sessions.seal("user-" + i, null, false)});
    }
    Telemetry telemetry = Telemetry.inMemory();
    ActivityPublisher publisher = new ActivityPublisher(client, on, telemetry).start();
    List<Side> sides = new ArrayList<>();
    for (var entry : List.of(Map.entry("off", off), Map.entry("on", on))) {
      Vertx vertx = GatewayVertx.create();
      GatewayServer server = new GatewayServer(vertx, sessions, new AuthDecider(entry.getValue(), Clock.systemUTC()),
          GatewayServer.ProxyMode.NGINX);
      sides.add(new Side(entry.getKey(), server, vertx, server.start("127.0.0.1", 0)));
    }
    // warm-up: C2 compiles both paths before anything is measured
    for (Side side : sides) load(side.port(), users, 16, Duration.ofSeconds(Math.max(5, seconds * 2)));

    System.out.printf("%n/auth latency, activity recording off vs on: %d users and instances, %d s runs alternating, %d repeats, "
        + "median run by p99 (client: this JVM, keep-alive HTTP/1.1)%n", USERS, seconds, repeats);
    System.out.printf("%-12s %-4s %10s %10s %10s %10s%n", "connections", "rec", "req/s", "p50", "p99", "p99 ratio");
    for (int connections : CONNECTIONS) {
      Map<String, List<long[]>> runs = new HashMap<>();
      for (int r = 0; r < repeats; r++) {
        for (Side side : sides) {
          long[] latencies = load(side.port(), users, connections, Duration.ofSeconds(seconds));
          Arrays.sort(latencies);
          runs.computeIfAbsent(side.name(), k -> new ArrayList<>()).add(new long[] {latencies.length / seconds,
              latencies[latencies.length / 2], latencies[(int) (latencies.length * 0.99)]});
        }
      }
      long offP99 = 0;
      for (Side side : sides) {
        List<long[]> byP99 = new ArrayList<>(runs.get(side.name()));
        byP99.sort(java.util.Comparator.comparingLong(x -> x[2]));
        long[] median = byP99.get(byP99.size() / 2);
        if (side.name().equals("off")) offP99 = median[2];
        System.out.printf(Locale.ROOT, "%-12d %-4s %10d %8.0fus %8.0fus %10s%n", connections, side.name(), median[0], median[1] / 1e3,
            median[2] / 1e3, side.name().equals("on") ? String.format(Locale.ROOT, "%.2f", median[2] / (double) offP99) : "");
      }
    }
    var counter = telemetry.registry().find("aigc.activity.writes").tag("reason", "activity").counter();
    System.out.printf(Locale.ROOT, "publisher writes during the runs: %.0f (for %d instances)%n", counter == null ? 0 : counter.count(), USERS);
    publisher.close();
    for (Side side : sides) side.server().close();
    cluster.close();
  }

  /** Closed-loop keep-alive clients for {@code duration}; returns every request's latency in nanoseconds. */
  private static long[] load(int port, List<String[]> users, int connections, Duration duration) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    List<long[]> perThread = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      int first = c;
      perThread.add(null);
      Thread thread = new Thread(() -> {
        long[] latencies = new long[1 << 16];
        int n = 0;
        byte[] buffer = new byte[8192];
        try (Socket socket = new Socket("127.0.0.1", port)) {
          socket.setTcpNoDelay(true);
          OutputStream out = socket.getOutputStream();
          InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
          for (int u = first; System.nanoTime() < end; u += connections) {
            String[] user = users.get(u % users.size());
            byte[] request = ("GET /auth?host=" + user[0] + " HTTP/1.1\r\nHost: gateway\r\nX-Original-URL: http://" + user[0]
                + "/\r\nCookie: " + user[1] + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            long t0 = System.nanoTime();
            out.write(request);
            if (!readResponse(in, buffer)) failures.incrementAndGet();
            if (n == latencies.length) latencies = Arrays.copyOf(latencies, n * 2);
            latencies[n++] = System.nanoTime() - t0;
          }
        } catch (Exception e) {
          failures.incrementAndGet();
        }
        long[] mine = Arrays.copyOf(latencies, n);
        synchronized (perThread) {
          perThread.set(first, mine);
        }
        done.countDown();
      });
      thread.start();
    }
    done.await();
    if (failures.get() > 0) throw new IllegalStateException(failures.get() + " requests were not answered 200");
    synchronized (perThread) {
      return perThread.stream().flatMapToLong(Arrays::stream).toArray();
    }
  }

  /** Reads one response; true if it was a 200. Responses of /auth have no body or a Content-Length. */
  private static boolean readResponse(InputStream in, byte[] buffer) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new java.io.EOFException();
      head.append((char) b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
    }
    String text = head.toString().toLowerCase(Locale.ROOT);
    int at = text.indexOf("content-length:");
    if (at >= 0) {
      int length = Integer.parseInt(text.substring(at + 15, text.indexOf('\r', at)).strip());
      while (length > 0) {
        int read = in.read(buffer, 0, Math.min(buffer.length, length));
        if (read < 0) throw new java.io.EOFException();
        length -= read;
      }
    }
    return text.startsWith("http/1.1 200");
  }
}
