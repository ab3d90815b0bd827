package dev.aigc.operator.cli;

import dev.aigc.operator.sandbox.Sandbox;
import dev.aigc.operator.sandbox.SandboxException;
import dev.aigc.operator.sandbox.SandboxLogging;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = {
      "Try everything with no cluster: a Kubernetes API that kubectl can use, simulated",
      "OpenKruiseGame and Knative, the operator, the gateway and a development sign-in",
      "where any user name works. Loads examples/."
    })
public class SandboxCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "The dashboard's port on localhost (0 picks a free one). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--api-port", defaultValue = "8001", paramLabel = "PORT",
      description = "The Kubernetes API's port on localhost (plain http, as kubectl proxy serves it; 0 picks a free one). "
          + "Default: ${DEFAULT-VALUE}.")
  int apiPort;

  @Option(names = "--kubeconfig", defaultValue = "aigc-sandbox.kubeconfig", paramLabel = "FILE",
      description = "Where to write a kubeconfig for the API (rewritten at each start; a file the sandbox did not write is "
          + "never replaced). Default: ${DEFAULT-VALUE}.")
  Path kubeconfig;

  @Option(names = "-v", description = "Say more: -v logs what the operator, gateway and simulators do, -vv also every API request.")
  boolean[] verbose = new boolean[0];

  @Override
  public Integer call() throws Exception {
    SandboxLogging.apply(verbose.length);
    PrintWriter out = spec.commandLine().getOut();
    Sandbox sandbox;
    try {
      sandbox = Sandbox.start(new Sandbox.Options(port, apiPort, kubeconfig));
    } catch (SandboxException e) {
      spec.commandLine().getErr().println("sandbox: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sandbox.close();
      stopped.countDown();
    }, "sandbox-shutdown"));
    Path config = sandbox.kubeconfig().orElseThrow().toAbsolutePath();
    out.println();
    out.println("The sandbox is running. Ctrl-C stops it.");
    out.println();
    out.println("  Dashboard       " + sandbox.dashboardUrl() + "   (sign in with any user name)");
    out.println("  Kubernetes API  " + sandbox.apiUrl());
    out.println("  kubectl         export KUBECONFIG=" + config + "; kubectl get aigct,aigci");
    out.println("  REST API token  curl -s " + sandbox.tokenUrl() + " -d grant_type=password -d client_id=" + Sandbox.OIDC_CLIENT_ID
        + " -d scope=openid -d username=alice -d password=any");
    out.println("                  (the ID token in the answer is alice's bearer token for " + sandbox.dashboardUrl() + "api/v1)");
    out.println();
    out.println("Instances are simulated: they reach Running, but no app answers at their URLs. -v logs more.");
    out.flush();
    stopped.await();
    return 0;
  }
}
