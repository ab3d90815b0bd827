package dev.aigc.operator.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.aigc.operator.config.LenientSerialization;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.gateway.SessionKeys;
import dev.aigc.operator.observe.ManagementServer;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.reconcile.AigcOperator;
import io.vertx.core.Vertx;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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

  @Mixin InstanceAuthOptions gateway;

  @ArgGroup(exclusive = false, heading = "Gateway:%n")
  GatewayCommandOptions gatewayOptions = new GatewayCommandOptions();

  @Option(names = "--gateway-service", defaultValue = "${env:AIGC_GATEWAY_SERVICE}",
      description = "The gateway's Service as namespace/name: an idle-suspended instance's URL then wakes it, through a "
          + "Service the operator points at the gateway's endpoints (ingress-nginx's default-backend). Without it only the "
          + "dashboard wakes suspended instances (env AIGC_GATEWAY_SERVICE).")
  String gatewayService;

  @Option(names = "--allow-unauthenticated-instances",
      description = "Run without gateway URLs, so that anyone who knows an instance's host reaches it. For trials only.")
  boolean allowUnauthenticated;

  @Option(names = "--management-listen", defaultValue = "${env:AIGC_MANAGEMENT_LISTEN:-0.0.0.0:8081}",
      description = "Address of /healthz, /readyz and /metrics (env AIGC_MANAGEMENT_LISTEN). Default: ${DEFAULT-VALUE}.")
  String managementListen;

  @Option(names = "--leader-election-namespace", defaultValue = "${env:POD_NAMESPACE}",
      description = "Namespace of the leader-election Lease, so that several operator replicas are safe; "
          + "without it the operator runs without leader election (env POD_NAMESPACE).")
  String leaseNamespace;

  @Option(names = "--log-format", defaultValue = "${env:AIGC_LOG_FORMAT:-text}",
      description = "text, or json for one JSON object per line (env AIGC_LOG_FORMAT). Default: ${DEFAULT-VALUE}.")
  String logFormat;

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
        if (gatewayOptions.keysFile() != null) keys = SessionCodec.readKeys(gatewayOptions.keysFile());
        else gatewayOptions.sessionKeysSecret("checked-before-the-client-exists");
        gatewayOptions.revokedSessions("checked-before-the-client-exists");
      } catch (IllegalArgumentException | java.io.IOException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    if ("json".equalsIgnoreCase(logFormat)) useJsonLogs();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.toLevel(logLevel, Level.INFO));

    Telemetry telemetry = Telemetry.prometheus();
    RunningParts parts = new RunningParts();
    CountDownLatch stopped = new CountDownLatch(1);
    // in place before anything starts: SIGTERM during the start closes what has started
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      parts.closeAll();
      stopped.countDown();
    }, "shutdown"));
    try {
      KubernetesClient client = parts.start(() -> new KubernetesClientBuilder()
          // an object this version cannot fully read (a newer CRD's fields) must not stop the operator or the gateway
          .withKubernetesSerialization(new LenientSerialization())
          .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("aigc-api-writes", telemetry.apiWrites()))
          .build());
      AigcOperator operator = runOperator ? parts.start(() -> new AigcOperator(client, operatorSettings, telemetry).start()) : null;
      String ownNamespace = java.util.Objects.requireNonNullElse(client.getNamespace(), "default");
      // without a keys file, every replica reads (or the first one makes) the same Secret before serving
      List<byte[]> sessionKeys = !runGateway || keys != null ? keys
          : SessionKeys.getOrCreate(client, gatewayOptions.sessionKeysSecret(ownNamespace));
      GatewaySettings gatewayConfig = gatewaySettings;
      OidcSettings oidcConfig = oidc;
      Gateway gatewayPart = runGateway ? parts.start(() -> Gateway.start(client, gatewayConfig, oidcConfig, sessionKeys, telemetry,
          watched(), gatewayOptions.revokedSessions(ownNamespace))) : null;
      Vertx managementVertx = parts.start(Vertx::vertx, v -> () -> v.close().toCompletionStage().toCompletableFuture().get());
      int colon = managementListen.lastIndexOf(':');
      parts.start(() -> {
        ManagementServer management = new ManagementServer(managementVertx);
        management.start(managementListen.substring(0, colon), Integer.parseInt(managementListen.substring(colon + 1)),
            () -> operator == null || operator.live(),
            () -> (operator == null || operator.ready()) && (gatewayPart == null || gatewayPart.ready()),
            telemetry);
        return management;
      });
    } catch (RunningParts.Stopping e) {
      // SIGTERM while starting: the hook closes what had started
    }
    stopped.await();
    return 0;
  }

  private static void useJsonLogs() throws Exception {
    var context = (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    var configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(RunCommand.class.getResource("/logback-json.xml"));
  }

  private java.util.Set<String> watched() {
    var watched = new LinkedHashSet<String>();
    if (namespaces != null) namespaces.stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(watched::add);
    return watched;
  }

  OperatorSettings settings() {
    var watched = watched();
    String authUrl = InstanceAuthOptions.blankToNull(gateway.authUrl);
    String signInUrl = InstanceAuthOptions.blankToNull(gateway.signInUrl);
    if ((authUrl == null || signInUrl == null) && !allowUnauthenticated) {
      // Secure by default: without auth annotations every instance would be open to anyone.
      throw new ParameterException(spec.commandLine(),
          "--gateway-auth-url and --gateway-signin-url are required (or --allow-unauthenticated-instances)");
    }
    try {
      return new OperatorSettings(watched, authUrl, signInUrl,
          leaseNamespace == null || leaseNamespace.isBlank() ? null : leaseNamespace.trim(), true,
          InstanceAuthOptions.blankToNull(gatewayService));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
