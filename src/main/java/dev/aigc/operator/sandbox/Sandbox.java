package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.gateway.Gateway;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewaySettings;
import dev.aigc.operator.gateway.OidcSettings;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one process, with no cluster: an embedded Kubernetes API that kubectl can use, the
 * OKG and Knative simulators, the operator, the gateway, and a development OIDC provider where any
 * user name signs in. Loads the examples. For trying the product, never for production.
 */
public final class Sandbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  public static final String NAMESPACE = "default";
  public static final String OIDC_ISSUER_ID = "sandbox";
  public static final String OIDC_CLIENT_ID = "aigc-sandbox";

  /**
   * @param port the dashboard's port on localhost; 0 picks a free one
   * @param apiPort the Kubernetes API's port on localhost; 0 picks a free one
   * @param kubeconfig where to write a kubeconfig for the API, or null for none
   */
  public record Options(int port, int apiPort, Path kubeconfig) {}

  private final List<AutoCloseable> parts;
  private final MockCluster cluster;
  private final String dashboardUrl;
  private final String apiUrl;
  private final String tokenUrl;
  private final Path kubeconfig;

  private Sandbox(List<AutoCloseable> parts, MockCluster cluster, String dashboardUrl, String apiUrl, String tokenUrl,
      Path kubeconfig) {
    this.parts = parts;
    this.cluster = cluster;
    this.dashboardUrl = dashboardUrl;
    this.apiUrl = apiUrl;
    this.tokenUrl = tokenUrl;
    this.kubeconfig = kubeconfig;
  }

  /** @param port the dashboard's port on localhost; 0 picks a free one. The API's port is a free one. */
  public static Sandbox start(int port) throws Exception {
    return start(new Options(port, 0, null));
  }

  public static Sandbox start(Options options) throws Exception {
    int gatewayPort = Ports.claim(options.port(), "--port");
    int apiPort = Ports.claim(options.apiPort(), "--api-port");
    if (gatewayPort == apiPort) throw new SandboxException("--port and --api-port must differ");
    if (options.kubeconfig() != null) Kubeconfig.requireOurs(options.kubeconfig());
    // closed in reverse order when the sandbox stops, or when starting fails half-way
    List<AutoCloseable> parts = new ArrayList<>();
    try {
      MockCluster cluster = MockCluster.startWithKnative();
      parts.add(cluster);
      ApiFront api = ApiFront.start(cluster.dispatcher(), apiPort);
      parts.add(api);
      cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();

      SignInPage signIn = SignInPage.write();
      parts.add(signIn);
      MockOAuth2Server oidc = new MockOAuth2Server(new OAuth2Config(true, signIn.path()));
      oidc.start();
      parts.add(oidc::shutdown);

      String home = "http://localhost:" + gatewayPort;
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      // plain http on localhost, so the development cookie flag is on
      GatewaySettings settings = new GatewaySettings(home, "localhost", "127.0.0.1", gatewayPort, Duration.ofHours(8), true,
          GatewayServer.ProxyMode.NGINX);
      OidcSettings oidcSettings = new OidcSettings(oidc.issuerUrl(OIDC_ISSUER_ID).toString(), OIDC_CLIENT_ID, "sandbox-only-secret",
          home + "/callback", "sub", "groups", "aigc-admins");
      Telemetry telemetry = Telemetry.inMemory();
      Gateway gateway = Gateway.start(cluster.newClient(b -> { }), settings, oidcSettings, List.of(key), telemetry);
      parts.add(gateway);
      // with leader election, as deployed: an operator run against this API (run --leader-election-namespace default)
      // waits as a standby instead of fighting this one; losing the Lease must not end the sandbox's process
      AigcOperator operator = new AigcOperator(cluster.newClient(b -> { }), new OperatorSettings(Set.of(),
          "http://127.0.0.1:" + gatewayPort + "/auth", home + "/sign-in", NAMESPACE, false), telemetry).start();
      parts.add(operator);

      if (options.kubeconfig() != null) Kubeconfig.write(options.kubeconfig(), api.url());
      Sandbox sandbox = new Sandbox(parts, cluster, home + "/", api.url(), oidc.tokenEndpointUrl(OIDC_ISSUER_ID).toString(),
          options.kubeconfig());
      sandbox.loadExamples();
      return sandbox;
    } catch (Exception | Error e) {
      closeAll(parts);
      throw e;
    }
  }

  public String dashboardUrl() {
    return dashboardUrl;
  }

  /** The Kubernetes API's URL, for kubectl and any other client. */
  public String apiUrl() {
    return apiUrl;
  }

  /** The development provider's token endpoint, where a password grant gets an ID token for the REST API. */
  public String tokenUrl() {
    return tokenUrl;
  }

  public Optional<Path> kubeconfig() {
    return Optional.ofNullable(kubeconfig);
  }

  public MockCluster cluster() {
    return cluster;
  }

  /**
   * Applies every example, templates first, as {@code kubectl apply -f examples/} would: each object
   * as its file has it, with the last-applied annotation that apply writes.
   */
  private void loadExamples() throws IOException, URISyntaxException {
    ObjectMapper yaml = new YAMLMapper();
    List<Map<String, Object>> templates = new ArrayList<>();
    List<Map<String, Object>> others = new ArrayList<>();
    for (String file : exampleFiles()) {
      for (String doc : file.split("(?m)^---\\s*$")) {
        if (!doc.contains("kind:")) continue;
        Map<String, Object> object = yaml.readValue(doc, new TypeReference<LinkedHashMap<String, Object>>() { });
        if (object == null || !object.containsKey("kind")) continue;
        (("AigcTemplate".equals(object.get("kind"))) ? templates : others).add(object);
      }
    }
    for (Map<String, Object> object : templates) create(object);
    for (Map<String, Object> object : others) create(object);
    log.info("sandbox: loaded {} templates and {} instances from the examples", templates.size(), others.size());
  }

  @SuppressWarnings("unchecked")
  private void create(Map<String, Object> object) {
    Map<String, Object> metadata = (Map<String, Object>) object.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
    metadata.putIfAbsent("namespace", NAMESPACE);
    GenericKubernetesResource resource = Serialization.jsonMapper().convertValue(object, GenericKubernetesResource.class);
    Map<String, String> annotations = new LinkedHashMap<>(Optional.ofNullable(resource.getMetadata().getAnnotations()).orElse(Map.of()));
    annotations.put(LastApplied.ANNOTATION, LastApplied.of(object));
    resource.getMetadata().setAnnotations(annotations);
    cluster.client().resource(resource).create();
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
          contents.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return contents;
  }

  private static void closeAll(List<AutoCloseable> parts) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      try {
        parts.get(i).close();
      } catch (Exception e) {
        log.warn("sandbox: stopping {} failed: {}", parts.get(i).getClass().getSimpleName(), e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    closeAll(parts);
  }
}
