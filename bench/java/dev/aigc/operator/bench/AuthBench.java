package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcInstanceStatus;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.GameServerSetRenderer;
import dev.aigc.operator.sim.NginxConfig;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's /auth behind nginx, against the same nginx with a static-204 auth backend.
 *
 * <p>Three processes besides wrk: the front nginx (one worker) with one server block per Ingress host
 * as ingress-nginx renders the instances' Ingresses, with the auth annotations exactly as the operator
 * renders them (auth-url {@code <auth>?host=$server_name}, ingress-nginx's default auth-keepalive 0),
 * on two ports: one whose auth-url is the gateway's /auth (a JVM of its own), one whose auth-url is a second
 * nginx that answers 204 (one worker of its own). A third nginx serves the instances' stub backend for
 * both, so that neither auth backend takes the front's only worker, and both share the auth core with the
 * same other process: when the 204 nginx also served the stub, the baseline's auth and upstream requests
 * ran in one warm process while the gateway's alternated with nginx's. wrk runs against each port at
 * 1, 16 and 64 connections, each request with one of 1,000 users' session cookies at that user's
 * host; runs alternate between the two, are repeated, and each figure's median over the runs is reported.
 *
 * <p>Run: {@code bench/auth.sh [seconds per run] [repeats]} (needs nginx and wrk: apt-get install nginx-light wrk).
 */
public final class AuthBench {
  private static final int USERS = 1000;
  private static final int[] CONNECTIONS = {1, 16, 64};
  private static final String SIGN_IN = "https://aigc.example.com/sign-in";
  private static final String FRONT_CPU = "0";
  private static final String AUTH_CPU = "1";

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int repeats = args.length > 1 && args[1].matches("\\d+") ? Integer.parseInt(args[1]) : 3;
    // the front (and wrk, the clients) on one core, each auth backend with the instances' stub on the
    // other, as ingress-nginx and the gateway run in pods of their own: neither auth backend takes CPU
    // from the front. "shared" leaves placement to the scheduler.
    boolean pinned = !(args.length > 2 && args[2].equals("shared")) && Runtime.getRuntime().availableProcessors() >= 2
        && new java.io.File("/usr/bin/taskset").canExecute();
    // this JVM drives the runs beside the front; the gateway has a JVM of its own on the auth core
    if (pinned) pin(ProcessHandle.current().pid(), FRONT_CPU);
    List<String> jvm = new ArrayList<>(onCpu(pinned ? AUTH_CPU : null, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // the chart's gateway: 384 MiB, of which the JVM takes 75 %, and the collector the JVM picks at that size
        "-Xmx288m", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile", ""),
        // a log file of its own: sharing the driver's, each would truncate the other's
        "-Dbench.log=target/bench-gateway.log"));
    // more options for the gateway's JVM, for example -Xlog:jit+compilation=debug:file=jit.log
    String extra = System.getenv().getOrDefault("BENCH_GATEWAY_JVM_OPTIONS", "").strip();
    if (!extra.isEmpty()) jvm.addAll(List.of(extra.split("\\s+")));
    jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), AuthBenchGateway.class.getName(), Integer.toString(USERS)));
    gatewayJvm = new ProcessBuilder(jvm).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    gatewayOut = new java.io.BufferedReader(new java.io.InputStreamReader(gatewayJvm.getInputStream(), StandardCharsets.UTF_8));
    List<String[]> users = new ArrayList<>();
    int gatewayPort = -1;
    while (gatewayPort < 0) {
      String line = gatewayOut.readLine();
      if (line == null) throw new IllegalStateException("the gateway's JVM ended before listening");
      String[] words = line.split(" ");
      if (words[0].equals("USER")) users.add(new String[] {words[1], words[2]});
      if (words[0].equals("PORT")) gatewayPort = Integer.parseInt(words[1]);
    }
    int allow = freePort();
    int backends = freePort();
    int viaGateway = freePort();
    int viaBaseline = freePort();
    Path allowDir = Files.createTempDirectory("auth-bench-204");
    Path backendsDir = Files.createTempDirectory("auth-bench-backends");
    Path frontDir = Files.createTempDirectory("auth-bench-front");
    NginxConfig.writeBackends(allowDir, allow);
    NginxConfig.writeBackends(backendsDir, backends);
    NginxConfig.writeFront(frontDir, List.of(
        new NginxConfig.Listener(viaGateway, ingresses(users, "http://127.0.0.1:" + gatewayPort + "/auth")),
        new NginxConfig.Listener(viaBaseline, ingresses(users, "http://127.0.0.1:" + allow + "/allow"))), backends);
    List<Process> nginx = new ArrayList<>();
    try {
      nginx.add(nginx(allowDir, pinned ? AUTH_CPU : null));
      nginx.add(nginx(backendsDir, pinned ? AUTH_CPU : null));
      nginx.add(nginx(frontDir, pinned ? FRONT_CPU : null));
      awaitPort(allow);
      awaitPort(backends);
      awaitPort(viaGateway);
      authSideWorkers = List.of(nginx.get(0).children().findFirst().orElseThrow().pid(), nginx.get(1).children().findFirst().orElseThrow().pid());
      Path script = luaScript(frontDir, users);
      // warm up both paths, the gateway until the JIT has seen enough requests: on a busy machine 3 s
      // were too few, and C2 compiling during the first measured runs counted as the gateway's CPU
      String wrkCpu = pinned ? FRONT_CPU : null;
      warmUp(viaGateway, script, frontDir, wrkCpu);
      warmUp(viaBaseline, script, frontDir, wrkCpu);

      System.out.printf(Locale.ROOT, "users=%d instances=%d seconds_per_run=%d repeats=%d (median of the runs, each figure apart) cpus=%s%n",
          USERS, USERS, seconds, repeats, pinned ? "front nginx and wrk on cpu " + FRONT_CPU + ", auth backend and instance stub on cpu "
              + AUTH_CPU : "shared");
      System.out.printf(Locale.ROOT, "%-11s %-9s %10s %10s %10s %8s %16s %14s%n", "connections", "auth", "req/s", "p50", "p99", "non-2xx",
          "auth cpu/req", "wake-ups/req");
      List<String> verdicts = new ArrayList<>();
      List<String> runP99s = new ArrayList<>();
      for (int connections : CONNECTIONS) {
        List<Result> baselineRuns = new ArrayList<>();
        List<Result> gatewayRuns = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
          baselineRuns.add(wrk(seconds, connections, viaBaseline, script, frontDir, wrkCpu));
          gatewayRuns.add(wrk(seconds, connections, viaGateway, script, frontDir, wrkCpu));
        }
        Result baseline = median(baselineRuns);
        Result viaGw = median(gatewayRuns);
        print(connections, "204-nginx", baseline);
        print(connections, "gateway", viaGw);
        runP99s.add(String.format(Locale.ROOT, "c=%-3d p99 of each run: 204-nginx %s; gateway %s", connections, p99s(baselineRuns), p99s(gatewayRuns)));
        double throughput = viaGw.rps / baseline.rps;
        double p99 = viaGw.p99Micros / baseline.p99Micros;
        verdicts.add(String.format(Locale.ROOT, "c=%-3d throughput ratio %.2f (target >= 0.90: %s), p99 ratio %.2f (target <= 1.20: %s)",
            connections, throughput, throughput >= 0.9 ? "met" : "MISSED", p99, p99 <= 1.2 ? "met" : "MISSED"));
      }
      runP99s.forEach(System.out::println);
      verdicts.forEach(System.out::println);
    } finally {
      for (Process p : nginx) {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      gatewayJvm.destroy();
      gatewayJvm.waitFor(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /**
   * Each user's instance host with the auth annotations the operator renders for an auth URL of
   * {@code authUrl} (the example template's, as OKG copies them onto every instance's Ingress).
   */
  private static List<NginxConfig.IngressHost> ingresses(List<String[]> users, String authUrl) throws Exception {
    AigcTemplate template;
    try (InputStream in = Files.newInputStream(Path.of("examples/stable-diffusion-cpu.yaml"))) {
      template = Serialization.unmarshal(in, AigcTemplate.class);
    }
    template.getMetadata().setNamespace("bench");
    Map<String, String> annotations = new LinkedHashMap<>();
    GameServerSetRenderer.render(template, Allocation.empty(), new OperatorSettings(Set.of(), authUrl, SIGN_IN))
        .getSpec().getNetwork().getNetworkConf().stream()
        .filter(p -> p.name().equals("Annotation"))
        .forEach(p -> annotations.put(p.value().substring(0, p.value().indexOf(": ")), p.value().substring(p.value().indexOf(": ") + 2)));
    if (!annotations.getOrDefault(GameServerSetRenderer.AUTH_URL, "").endsWith("?host=$server_name")) {
      throw new IllegalStateException("the rendered auth-url does not carry the routed host: " + annotations);
    }
    return users.stream().map(u -> new NginxConfig.IngressHost(u[0], annotations)).toList();
  }

  private static Process nginx(Path dir, String cpu) throws Exception {
    return new ProcessBuilder(onCpu(cpu, "nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
  }

  /** {@code command}, run on {@code cpu} alone when it is not null. */
  private static List<String> onCpu(String cpu, String... command) {
    List<String> line = new ArrayList<>();
    if (cpu != null) line.addAll(List.of("taskset", "-c", cpu));
    line.addAll(List.of(command));
    return line;
  }

  /** Moves every thread of process {@code pid} onto {@code cpu}. */
  private static void pin(long pid, String cpu) throws Exception {
    Process taskset = new ProcessBuilder("taskset", "-a", "-c", "-p", cpu, Long.toString(pid)).redirectErrorStream(true).start();
    String out = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (taskset.waitFor() != 0) throw new IllegalStateException("taskset failed: " + out);
  }

  private static void print(int connections, String auth, Result r) {
    System.out.printf(Locale.ROOT, "%-11d %-9s %10.0f %10s %10s %8d %14.1fus %14.2f%n", connections, auth, r.rps, r.p50, r.p99, r.errors,
        r.authCpuMicros, r.authWakeUps);
  }

  /**
   * One wrk run. {@code authCpuMicros}: CPU time per request of the auth side, the gateway's JVM
   * and the workers of the 204 nginx and of the instances' stub together: what each auth
   * backend costs, whatever else the machine runs. {@code authWakeUps}: their voluntary context
   * switches per request, each a thread that slept and was woken, which a busy CPU can delay by a
   * scheduler slice; a count that the machine's load hardly changes.
   */
  private record Result(double rps, long errors, String p50, String p99, double p99Micros, double authCpuMicros, double authWakeUps,
      long jitMillis, long gcMillis) {}

  private static List<Long> authSideWorkers;
  private static Process gatewayJvm;
  private static java.io.BufferedReader gatewayOut;

  /** CPU time of the gateway's JVM and the auth core's nginx workers, each thread's from the scheduler (ns). */
  private static long authSideCpuNanos() throws Exception {
    return taskFigures(gatewayJvm.pid(), AuthBench::runtimeNanos)
        + authSideWorkers.stream().mapToLong(pid -> runtimeNanos(Path.of("/proc/" + pid))).sum();
  }

  private static long authSideWakeUps() throws Exception {
    return taskFigures(gatewayJvm.pid(), AuthBench::voluntarySwitches)
        + authSideWorkers.stream().mapToLong(pid -> voluntarySwitches(Path.of("/proc/" + pid))).sum();
  }

  private static long taskFigures(long pid, java.util.function.ToLongFunction<Path> figure) throws Exception {
    long total = 0;
    try (var threads = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path thread : threads.toList()) total += figure.applyAsLong(thread);
    }
    return total;
  }

  /** The first figure of a task's schedstat: the time it ran, in nanoseconds. */
  private static long runtimeNanos(Path task) {
    try {
      return Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
    } catch (java.io.IOException e) {
      return 0; // a thread that ended meanwhile
    }
  }

  private static long voluntarySwitches(Path task) {
    try {
      for (String line : Files.readAllLines(task.resolve("status"))) {
        if (line.startsWith("voluntary_ctxt_switches:")) return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
      }
    } catch (java.io.IOException e) {
      // a thread that ended meanwhile
    }
    return 0;
  }

  /**
   * Runs of 3 s at each concurrency until one adds under 20 ms of JIT compilation (the gateway's
   * steady state, which a server reaches once), and at least 60,000 requests in all; at most 30 s per
   * concurrency. A compilation during a measured run at one connection took CPU from the event loop
   * on its core and decided that run's p99.
   */
  private static void warmUp(int port, Path script, Path dir, String cpu) throws Exception {
    long requests = 0;
    for (int connections : CONNECTIONS) {
      for (int second = 0; second < 30; second += 3) {
        long compiling = gatewayStats()[0];
        Result run = wrk(3, connections, port, script, dir, cpu);
        requests += Math.round(run.rps * 3);
        if (gatewayStats()[0] - compiling < 20 && (connections != CONNECTIONS[CONNECTIONS.length - 1] || requests >= 60_000)) break;
      }
    }
  }

  /** The gateway JVM's JIT compilation and GC pause time so far, in ms. */
  private static long[] gatewayStats() throws Exception {
    gatewayJvm.getOutputStream().write("stats\n".getBytes(StandardCharsets.UTF_8));
    gatewayJvm.getOutputStream().flush();
    String line = gatewayOut.readLine();
    // anything else the JVM prints on its stdout (a warning of its own) is not the answer
    while (line != null && !line.startsWith("STATS ")) line = gatewayOut.readLine();
    if (line == null) throw new IllegalStateException("the gateway's JVM ended");
    String[] words = line.split(" ");
    return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
  }

  /**
   * Each figure's median over the runs, taken apart: a p99 of one 3 s run at one connection is decided
   * by a handful of requests, so one stall of the machine in the run that happened to have the median
   * throughput decided the verdict. Errors are summed.
   */
  private static Result median(List<Result> runs) {
    Result byP99 = medianBy(runs, Result::p99Micros);
    Result byP50 = medianBy(runs, r -> micros(r.p50));
    return new Result(medianBy(runs, Result::rps).rps, runs.stream().mapToLong(Result::errors).sum(), byP50.p50, byP99.p99,
        byP99.p99Micros, medianBy(runs, Result::authCpuMicros).authCpuMicros, medianBy(runs, Result::authWakeUps).authWakeUps,
        runs.stream().mapToLong(Result::jitMillis).sum(), runs.stream().mapToLong(Result::gcMillis).sum());
  }

  private static Result medianBy(List<Result> runs, java.util.function.ToDoubleFunction<Result> figure) {
    return runs.stream().sorted(Comparator.comparingDouble(figure)).toList().get(runs.size() / 2);
  }

  /** Each run's p99, with the JIT compilation and GC pause time (ms) of the gateway's JVM during it where there was any. */
  private static String p99s(List<Result> runs) {
    return String.join(" ", runs.stream().map(r -> r.p99 + (r.jitMillis + r.gcMillis == 0 ? ""
        : String.format(Locale.ROOT, "(jit %d gc %d)", r.jitMillis, r.gcMillis))).toList());
  }

  private static Result wrk(int seconds, int connections, int port, Path script, Path dir, String cpu) throws Exception {
    long cpuBefore = authSideCpuNanos();
    long wakeUpsBefore = authSideWakeUps();
    long[] statsBefore = gatewayStats();
    Process wrk = new ProcessBuilder(onCpu(cpu, "wrk", connections == 1 ? "-t1" : "-t2", "-c" + connections, "-d" + seconds + "s",
        "--latency", "-s", script.toString(), "http://127.0.0.1:" + port + "/")).redirectErrorStream(true).start();
    String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    wrk.waitFor();
    long cpuUsed = authSideCpuNanos() - cpuBefore;
    long wakeUps = authSideWakeUps() - wakeUpsBefore;
    long[] statsAfter = gatewayStats();
    long jit = statsAfter[0] - statsBefore[0];
    long gc = statsAfter[1] - statsBefore[1];
    Files.writeString(dir.resolve("wrk-" + port + "-c" + connections + ".txt"), out);
    String p99 = find(out, "\\s99%\\s+(\\S+)", "?");
    long requests = Long.parseLong(find(out, "(\\d+) requests in", "1"));
    return new Result(Double.parseDouble(find(out, "Requests/sec:\\s+([0-9.]+)", "0")),
        Long.parseLong(find(out, "Non-2xx or 3xx responses:\\s+(\\d+)", "0")),
        find(out, "\\s50%\\s+(\\S+)", "?"), p99, micros(p99), cpuUsed / 1000.0 / requests, (double) wakeUps / requests, jit, gc);
  }

  /** wrk's "850.00us", "1.23ms", "2.00s" in microseconds. */
  private static double micros(String value) {
    Matcher m = Pattern.compile("([0-9.]+)(us|ms|s)").matcher(value);
    if (!m.matches()) return Double.NaN;
    double number = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> number;
      case "ms" -> number * 1_000;
      default -> number * 1_000_000;
    };
  }

  /** A wrk script that walks through the users: each request with one user's cookie, at that user's host. */
  private static Path luaScript(Path dir, List<String[]> users) throws Exception {
    StringBuilder lua = new StringBuilder("local users = {\n");
    for (String[] u : users) lua.append("  {\"").append(u[0]).append("\", \"").append(u[1]).append("\"},\n");
    lua.append("}\nlocal i = 0\nrequest = function()\n  i = i % #users + 1\n  local u = users[i]\n");
    lua.append("  return wrk.format(\"GET\", \"/\", {[\"Host\"] = u[1], [\"Cookie\"] = u[2]})\n");
    lua.append("end\n");
    Path script = dir.resolve("front.lua");
    Files.writeString(script, lua);
    return script;
  }

  /** A Running instance of {@code owner} at {@code host}, as the gateway's directory reads it. */
  static AigcInstance instance(String owner, String host) {
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
    throw new IllegalStateException("nginx did not start; see its output in the bench directories");
  }
}
