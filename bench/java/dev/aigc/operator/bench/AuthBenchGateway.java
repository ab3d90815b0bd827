package dev.aigc.operator.bench;

import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewayVertx;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.SessionCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The auth benchmark's gateway in a JVM of its own, as in its pod: nothing but the gateway runs or
 * compiles there (the benchmark's own work, parsing wrk's output between runs, used to be compiled
 * on the gateway's core while it was measured). Prints one {@code USER <host> <cookie>} line per
 * user and then {@code PORT <port>}; answers each {@code stats} line on stdin with {@code STATS <JIT
 * compilation ms> <GC pause ms>}; exits when stdin closes (the benchmark ended).
 */
public final class AuthBenchGateway {
  private AuthBenchGateway() {}

  public static void main(String[] args) throws Exception {
    int users = Integer.parseInt(args[0]);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionCodec sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    InstanceDirectory directory = new InstanceDirectory();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    for (int i = 0; i < users; i++) {
      String host = "instances" + i + "-cpu.example.com";
      directory.upsert(AuthBench.instance("user-" + i, host));
      out.println("USER " + host + " " + GatewayServer.SESSION_COOKIE + "=" + sessions.seal("user-" + i, null, false));
    }
    GatewayServer gateway = new GatewayServer(GatewayVertx.create(), sessions, new AuthDecider(directory, Clock.systemUTC()),
        GatewayServer.ProxyMode.NGINX);
    out.println("PORT " + gateway.start("127.0.0.1", 0));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("stats")) {
        long gc = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
        out.println("STATS " + ManagementFactory.getCompilationMXBean().getTotalCompilationTime() + " " + gc);
        out.flush();
      }
    }
    System.exit(0);
  }
}
