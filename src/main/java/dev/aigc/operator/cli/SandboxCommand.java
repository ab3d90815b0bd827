package dev.aigc.operator.cli;

import dev.aigc.operator.sandbox.Sandbox;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = {
      "Try everything with no cluster: an embedded Kubernetes API, simulated OpenKruiseGame and Knative,",
      "the operator, the gateway and a development sign-in where any user name works. Loads examples/."
    })
public class SandboxCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8080", description = "The dashboard's port on localhost. Default: ${DEFAULT-VALUE}.")
  int port;

  @Override
  public Integer call() throws Exception {
    Sandbox sandbox = Sandbox.start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        sandbox.close();
      } catch (Exception e) {
        System.err.println("stopping the sandbox: " + e.getMessage());
      }
      stopped.countDown();
    }, "sandbox-shutdown"));
    System.out.println();
    System.out.println("The sandbox is running. Open " + sandbox.dashboardUrl() + " and sign in with any user name.");
    System.out.println("(Instances are simulated: they reach Running, but no app answers at their URLs.) Ctrl-C stops it.");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
