package dev.aigc.operator.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the operator and the gateway against the cluster of the current kubeconfig, or in-cluster config.",
      "--only operator or --only gateway runs one of them, so that each can be scaled on its own."
    })
public class RunCommand implements Callable<Integer> {
  /** Which parts to run. */
  enum Part { operator, gateway }

  @Option(names = "--only", description = "Run only this part: operator or gateway (env AIGC_ONLY).",
      defaultValue = "${env:AIGC_ONLY}")
  Part only;

  @Option(names = "--namespaces", split = ",", defaultValue = "${env:AIGC_NAMESPACES}",
      description = "Namespaces to watch, comma-separated; all when empty (env AIGC_NAMESPACES).")
  List<String> namespaces;

  @Mixin GatewayOptions gateway;

  @ArgGroup(exclusive = false, heading = "Gateway:%n")
  GatewayCommandOptions gatewayOptions = new GatewayCommandOptions();

  @Option(names = "--allow-unauthenticated-instances",
      description = "Run without gateway URLs, so that anyone who knows an instance's host reaches it. For trials only.")
  boolean allowUnauthenticated;

  @Option(names = "--log-level", defaultValue = "${env:AIGC_LOG_LEVEL:-INFO}",
      description = "Log level: ERROR, WARN, INFO, DEBUG or TRACE (env AIGC_LOG_LEVEL). Default: ${DEFAULT-VALUE}.")
  String logLevel;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    boolean runOperator = only != Part.gateway;
    boolean runGateway = only != Part.operator;
    OperatorSettings operatorSettings = runOperator ? settings() : null;
    GatewaySettings gatewaySettings = null;
    OidcSettings oidc = null;
    List<byte[]> keys = null;
    if (runGateway) {
      try {
        gatewaySettings = gatewayOptions.settings();
        oidc = gatewayOptions.oidc();
        keys = SessionCodec.readKeys(gatewayOptions.keysFile());
      } catch (IllegalArgumentException | java.io.IOException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.toLevel(logLevel, Level.INFO));

    KubernetesClient client = new KubernetesClientBuilder().build();
    List<AutoCloseable> parts = new ArrayList<>();
    if (runOperator) parts.add(new AigcOperator(client, operatorSettings).start());
    if (runGateway) parts.add(Gateway.start(client, gatewaySettings, oidc, keys));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (AutoCloseable part : parts) {
        try {
          part.close();
        } catch (Exception e) {
          LoggerFactory.getLogger(RunCommand.class).warn("stopping {}: {}", part, e.getMessage());
        }
      }
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
