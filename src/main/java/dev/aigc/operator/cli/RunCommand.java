package dev.aigc.operator.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the operator against the cluster of the current kubeconfig, or in-cluster config.")
public class RunCommand implements Callable<Integer> {
  @Option(names = "--namespaces", split = ",", defaultValue = "${env:AIGC_NAMESPACES}",
      description = "Namespaces to watch, comma-separated; all when empty (env AIGC_NAMESPACES).")
  List<String> namespaces;

  @Mixin GatewayOptions gateway;

  @Option(names = "--allow-unauthenticated-instances",
      description = "Run without gateway URLs, so that anyone who knows an instance's host reaches it. For trials only.")
  boolean allowUnauthenticated;

  @Spec CommandSpec spec;

  @Option(names = "--log-level", defaultValue = "${env:AIGC_LOG_LEVEL:-INFO}",
      description = "Log level: ERROR, WARN, INFO, DEBUG or TRACE (env AIGC_LOG_LEVEL). Default: ${DEFAULT-VALUE}.")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.toLevel(logLevel, Level.INFO));
    OperatorSettings settings = settings();
    KubernetesClient client = new KubernetesClientBuilder().build();
    CountDownLatch stopped = new CountDownLatch(1);
    AigcOperator operator = new AigcOperator(client, settings).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  OperatorSettings settings() {
    var watched = new LinkedHashSet<String>();
    if (namespaces != null) namespaces.stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(watched::add);
    String authUrl = GatewayOptions.blankToNull(gateway.authUrl);
    String signInUrl = GatewayOptions.blankToNull(gateway.signInUrl);
    if ((authUrl == null || signInUrl == null) && !allowUnauthenticated) {
      // Secure by default: without auth annotations every instance would be open to anyone.
      throw new ParameterException(spec.commandLine(),
          "--gateway-auth-url and --gateway-signin-url are required (or --allow-unauthenticated-instances)");
    }
    try {
      return new OperatorSettings(watched, authUrl, signInUrl);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
