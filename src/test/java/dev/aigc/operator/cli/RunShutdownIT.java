package dev.aigc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code run} as the kubelet stops it: SIGTERM to the process that holds the Lease, as in every rolling
 * update of the operator's Deployment. It used to hang until SIGKILL: JOSDK answered the Lease it let go
 * of in its own shutdown with System.exit, which blocks forever inside a shutdown hook.
 */
class RunShutdownIT {
  private static final Duration START = Duration.ofSeconds(60);

  /** The usual case: a ready leader, stopped by a rollout. */
  @Test
  void aReadyLeaderEndsOnSigtermAndHandsTheLeaseOnAtOnce() throws Exception {
    try (MockCluster cluster = MockCluster.start()) {
      cluster.allowLeases();
      int management = freePort();
      Process run = run(cluster, management, "ready");
      try {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(START).until(() -> !run.isAlive() || ready(http, management));
        assertThat(holder(cluster)).as("run is ready and holds the Lease; its output: %s", LOG.apply("ready")).isNotEmpty();

        assertEndsOnSigterm(cluster, run, "ready");
      } finally {
        run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * SIGTERM as soon as the Lease is taken, while {@code run} may still be starting its other parts
   * (the hook used to be added last, and a signal before it closed nothing).
   */
  @Test
  void aLeaderStillStartingEndsOnSigtermAndHandsTheLeaseOn() throws Exception {
    try (MockCluster cluster = MockCluster.start()) {
      cluster.allowLeases();
      Process run = run(cluster, freePort(), "starting");
      try {
        await().atMost(START).until(() -> !holder(cluster).isEmpty() || !run.isAlive());
        assertThat(run.isAlive()).as("run took the Lease; its output: %s", LOG.apply("starting")).isTrue();

        assertEndsOnSigterm(cluster, run, "starting");
      } finally {
        run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A leader whose Lease another replica took (its renewals failed, as in a network partition) must
   * end, so that two replicas never reconcile at once: now from a thread of its own, not JOSDK's.
   */
  @Test
  void aLeaderThatLostItsLeaseEnds() throws Exception {
    try (MockCluster cluster = MockCluster.start()) {
      cluster.allowLeases();
      int management = freePort();
      Process run = run(cluster, management, "lost");
      try {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(START).until(() -> !run.isAlive() || ready(http, management));
        assertThat(holder(cluster)).as("run holds the Lease; its output: %s", LOG.apply("lost")).isNotEmpty();

        // another replica's record, renewed far ahead: every renewal of run's now fails
        cluster.client().leases().inNamespace("default").withName(OperatorSettings.LEASE_NAME).edit(l -> {
          l.getSpec().setHolderIdentity("another-replica");
          l.getSpec().setRenewTime(java.time.ZonedDateTime.now().plusMinutes(10));
          l.getSpec().setLeaseDurationSeconds(600);
          return l;
        });
        boolean ended = run.waitFor(40, TimeUnit.SECONDS);

        assertThat(ended).as("run ended after losing its Lease; output: %s", LOG.apply("lost")).isTrue();
        assertThat(run.exitValue()).as("lost the Lease: an error").isEqualTo(1);
        assertThat(holder(cluster)).as("the other replica's Lease is left alone").isEqualTo("another-replica");
      } finally {
        run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static final java.util.function.Function<String, Path> LOG = name -> Path.of("target", "run-shutdown-" + name + ".log")
      .toAbsolutePath();

  private static Process run(MockCluster cluster, int management, String name) throws Exception {
    Files.createDirectories(Path.of("target"));
    return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-Dkubernetes.master=" + cluster.client().getMasterUrl(), "-Dkubernetes.auth.tryKubeConfig=false",
        "-Dkubernetes.auth.tryServiceAccount=false", "-Dkubernetes.namespace=default",
        Main.class.getName(), "run", "--only", "operator", "--allow-unauthenticated-instances",
        "--leader-election-namespace", "default", "--management-listen", "127.0.0.1:" + management))
        .redirectErrorStream(true).redirectOutput(LOG.apply(name).toFile()).start();
  }

  private static void assertEndsOnSigterm(MockCluster cluster, Process run, String name) throws Exception {
    run.destroy(); // SIGTERM, as the kubelet sends it
    boolean ended = run.waitFor(20, TimeUnit.SECONDS);

    assertThat(ended).as("run ended within 20 s of SIGTERM (the kubelet's SIGKILL comes at 30 s); output: %s", LOG.apply(name))
        .isTrue();
    assertThat(run.exitValue()).as("the exit status of a process ended by SIGTERM").isEqualTo(128 + 15);
    assertThat(holder(cluster)).as("the Lease is released, so that a standby takes over without waiting for it to expire")
        .isEmpty();
  }

  private static boolean ready(HttpClient http, int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (java.io.IOException e) {
      return false; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String holder(MockCluster cluster) {
    Lease lease = cluster.client().leases().inNamespace("default").withName(OperatorSettings.LEASE_NAME).get();
    if (lease == null || lease.getSpec().getHolderIdentity() == null) return "";
    return lease.getSpec().getHolderIdentity();
  }
}
