package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.sim.NginxConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx with auth_request to the gateway's /auth, against the same nginx whose auth_request goes to
 * an nginx location that just answers 204, both under wrk with 64 connections, sessions for 1,000
 * users and 1,000 instances; then /auth alone under wrk for its latency percentiles.
 *
 * <p>Run: {@code bench/auth.sh [seconds]} (needs nginx and wrk: apt-get install nginx-light wrk).
 */
public final class AuthBench {
  private static final int USERS = 1000;

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionCodec sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    InstanceDirectory directory = new InstanceDirectory();
    List<String[]> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      String host = "i" + i + "-sd.example.com";
      directory.upsert(instance("user-" + i, host));
      users.add(new String[] {host, GatewayServer.SESSION_COOKIE + "=" + sessions.seal("user-" + i, null, false)});
    }

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    GatewayServer gateway = new GatewayServer(vertx, sessions, new AuthDecider(directory, Clock.systemUTC()),
        GatewayServer.ProxyMode.NGINX);
    int gatewayPort = gateway.start("127.0.0.1", 0);
    Path dir = Files.createTempDirectory("auth-bench");
    int backend = freePort();
    int viaGateway = freePort();
    int viaNginx = freePort();
    Path conf = NginxConfig.write(dir, backend, "https://aigc.example.com/sign-in", List.of(
        // the routed host, as the operator's auth-url carries it ($host: these fronts are catch-all servers)
        new NginxConfig.Front(viaGateway, "http://127.0.0.1:" + gatewayPort + "/auth?host=$host"),
        new NginxConfig.Front(viaNginx, "http://127.0.0.1:" + backend + "/allow")));
    Process nginx = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    try {
      awaitPort(viaGateway);
      Path script = luaScript(dir, users, false);
      Path authScript = luaScript(dir, users, true);
      wrk(1, viaGateway, script, dir); // warm up the JIT and the connections
      Result gatewayRun = wrk(seconds, viaGateway, script, dir);
      Result nginxRun = wrk(seconds, viaNginx, script, dir);
      // latency of one request at a time: the time /auth takes, not the time it waits in a queue
      Result authRun = wrk(seconds, gatewayPort, authScript, dir, 1);
      System.out.printf(Locale.ROOT, "users=%d instances=%d connections=64 seconds=%d%n", USERS, USERS, seconds);
      System.out.printf(Locale.ROOT, "nginx_auth_via_gateway_rps=%.0f (non-2xx: %d)%n", gatewayRun.rps, gatewayRun.errors);
      System.out.printf(Locale.ROOT, "nginx_auth_via_nginx_204_rps=%.0f (non-2xx: %d)%n", nginxRun.rps, nginxRun.errors);
      System.out.printf(Locale.ROOT, "ratio=%.2f (target >= 0.70)%n", gatewayRun.rps / nginxRun.rps);
      System.out.printf(Locale.ROOT, "auth_direct_one_connection_rps=%.0f latency_p50=%s p90=%s p99=%s (target p99 < 2ms) (non-2xx: %d)%n",
          authRun.rps, authRun.p50, authRun.p90, authRun.p99, authRun.errors);
    } finally {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
      gateway.close();
      vertx.close();
    }
    System.exit(0);
  }

  private record Result(double rps, long errors, String p50, String p90, String p99) {}

  private static Result wrk(int seconds, int port, Path script, Path dir) throws Exception {
    return wrk(seconds, port, script, dir, 64);
  }

  private static Result wrk(int seconds, int port, Path script, Path dir, int connections) throws Exception {
    Process wrk = new ProcessBuilder("wrk", connections == 1 ? "-t1" : "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", "-s", script.toString(),
        "http://127.0.0.1:" + port + "/").redirectErrorStream(true).start();
    String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    wrk.waitFor();
    Files.writeString(dir.resolve("wrk-" + port + ".txt"), out);
    return new Result(Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)", "0")),
        Long.parseLong(find(out, "Non-2xx or 3xx responses:\\s+(\\d+)", "0")),
        find(out, "\\s50%\\s+(\\S+)", "?"), find(out, "\\s90%\\s+(\\S+)", "?"), find(out, "\\s99%\\s+(\\S+)", "?"));
  }

  /** A wrk script that walks through the users: each request with one user's cookie, at that user's host. */
  private static Path luaScript(Path dir, List<String[]> users, boolean direct) throws Exception {
    StringBuilder lua = new StringBuilder("local users = {\n");
    for (String[] u : users) lua.append("  {\"").append(u[0]).append("\", \"").append(u[1]).append("\"},\n");
    lua.append("}\nlocal i = 0\nrequest = function()\n  i = i % #users + 1\n  local u = users[i]\n");
    if (direct) {
      lua.append("  return wrk.format(\"GET\", \"/auth?host=\" .. u[1], {[\"X-Original-URL\"] = \"http://\" .. u[1] .. \"/\", [\"Cookie\"] = u[2]})\n");
    } else {
      lua.append("  return wrk.format(\"GET\", \"/\", {[\"Host\"] = u[1], [\"Cookie\"] = u[2]})\n");
    }
    lua.append("end\n");
    Path script = dir.resolve(direct ? "auth.lua" : "front.lua");
    Files.writeString(script, lua);
    return script;
  }

  private static AigcInstance instance(String owner, String host) {
    AigcInstance i = new AigcInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(owner + "-sd").withNamespace("bench").build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setOwner(owner);
    spec.setTemplate("sd");
    i.setSpec(spec);
    AigcInstanceStatus status = new AigcInstanceStatus();
    status.setPhase(InstancePhase.Running);
    status.setUrl("http://" + host + "/");
    i.setStatus(status);
    return i;
  }

  private static String find(String text, String regex, String fallback) {
    Matcher m = Pattern.compile(regex).matcher(text);
    return m.find() ? m.group(1) : fallback;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (java.io.IOException e) {
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
      }
    }
    throw new IllegalStateException("nginx did not start; see its output in the bench directory");
  }
}
