package dev.aigc.operator.sandbox;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one process, with no cluster: an embedded Kubernetes API, the OKG and Knative
 * simulators, the operator, the gateway, and a development OIDC provider where any user name signs
 * in. Loads the examples. For trying the product, never for production.
 */
public final class Sandbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  public static final String NAMESPACE = "default";

  private final MockCluster cluster;
  private final MockOAuth2Server oidc;
  private final AigcOperator operator;
  private final Gateway gateway;
  private final String dashboardUrl;

  private Sandbox(MockCluster cluster, MockOAuth2Server oidc, AigcOperator operator, Gateway gateway, String dashboardUrl) {
    this.cluster = cluster;
    this.oidc = oidc;
    this.operator = operator;
    this.gateway = gateway;
    this.dashboardUrl = dashboardUrl;
  }

  /** @param port the dashboard's port on localhost; 0 picks a free one */
  public static Sandbox start(int port) throws Exception {
    MockCluster cluster = MockCluster.startWithKnative();
    MockOAuth2Server oidc = new MockOAuth2Server(new OAuth2Config(true));
    oidc.start();
    int gatewayPort = port == 0 ? freePort() : port;
    String home = "http://localhost:" + gatewayPort;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    // plain http on localhost, so the development cookie flag is on
    GatewaySettings settings = new GatewaySettings(home, "localhost", "127.0.0.1", gatewayPort, Duration.ofHours(8), true,
        GatewayServer.ProxyMode.NGINX);
    OidcSettings oidcSettings = new OidcSettings(oidc.issuerUrl("sandbox").toString(), "aigc-sandbox", "sandbox-only-secret",
        home + "/callback", "sub", "groups", "aigc-admins");
    Telemetry telemetry = Telemetry.inMemory();
    Gateway gateway = Gateway.start(cluster.newClient(b -> { }), settings, oidcSettings, List.of(key), telemetry);
    AigcOperator operator = new AigcOperator(cluster.newClient(b -> { }),
        new OperatorSettings(java.util.Set.of(), "http://127.0.0.1:" + gatewayPort + "/auth", home + "/sign-in"), telemetry).start();
    Sandbox sandbox = new Sandbox(cluster, oidc, operator, gateway, home + "/");
    sandbox.loadExamples();
    return sandbox;
  }

  public String dashboardUrl() {
    return dashboardUrl;
  }

  public MockCluster cluster() {
    return cluster;
  }

  /** Applies every example, templates first, as kubectl apply -f examples/ would. */
  private void loadExamples() throws IOException, URISyntaxException {
    List<HasMetadata> templates = new ArrayList<>();
    List<HasMetadata> instances = new ArrayList<>();
    for (String yaml : exampleFiles()) {
      for (String doc : yaml.split("(?m)^---\\s*$")) {
        if (doc.isBlank() || !doc.contains("kind:")) continue;
        HasMetadata resource = doc.contains("kind: AigcTemplate")
            ? Serialization.unmarshal(doc, AigcTemplate.class) : Serialization.unmarshal(doc, AigcInstance.class);
        resource.getMetadata().setNamespace(NAMESPACE);
        (resource instanceof AigcTemplate ? templates : instances).add(resource);
      }
    }
    for (HasMetadata r : templates) cluster.client().resource(r).create();
    for (HasMetadata r : instances) cluster.client().resource(r).create();
    log.info("sandbox: loaded {} templates and {} instances from the examples", templates.size(), instances.size());
  }

  /** examples/ of the working directory when there is one, else the copy in the jar. */
  private static List<String> exampleFiles() throws IOException, URISyntaxException {
    Path local = Path.of("examples");
    if (Files.isDirectory(local)) return read(local);
    URI uri = Sandbox.class.getResource("/examples").toURI();
    if (!"jar".equals(uri.getScheme())) return read(Path.of(uri));
    try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
      return read(jar.getPath("/examples"));
    }
  }

  private static List<String> read(Path dir) throws IOException {
    List<String> contents = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          contents.add(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
    return contents;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    operator.close();
    gateway.close();
    oidc.shutdown();
    cluster.close();
  }
}
