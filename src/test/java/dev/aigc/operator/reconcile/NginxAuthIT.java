package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.render.Allocation;
import dev.aigc.operator.render.GameServerSetRenderer;
import dev.aigc.operator.sim.NginxConfig;
import dev.aigc.operator.sim.SystemPrograms;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real nginx configured as ingress-nginx configures the instances' Ingresses (one server block per
 * host, the auth subrequest, auth-signin), with the auth annotations exactly as the operator renders
 * them, in front of a stub backend, asking the gateway's /auth about the instances the operator runs.
 */
class NginxAuthIT extends OperatorTestBase {
  static final String SIGN_IN = "https://aigc.example.test/sign-in";
  private Path binary;
  private Process nginx;
  private AuthGateway gateway;
  private int front;
  private Path dir;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void startGateway() throws Exception {
    binary = SystemPrograms.require("nginx-light (or nginx)", "nginx", "/usr/sbin/nginx");
    gateway = new AuthGateway(cluster);
  }

  @AfterEach
  void stopNginx() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
    }
    if (gateway != null) gateway.close();
  }

  /**
   * The Ingress annotations of the template's instances as OKG copies them from the GameServerSet
   * the renderer makes (each {@code Annotation} entry split on its first ": "), with the gateway's
   * auth URL pointing at this test's gateway.
   */
  private Map<String, String> renderedIngressAnnotations() {
    OperatorSettings settings = new OperatorSettings(Set.of(), "http://127.0.0.1:" + gateway.port + "/auth", SIGN_IN);
    AigcTemplate template = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
    Map<String, String> annotations = new LinkedHashMap<>();
    GameServerSetRenderer.render(template, Allocation.empty(), settings).getSpec().getNetwork().getNetworkConf().stream()
        .filter(p -> p.name().equals("Annotation"))
        .forEach(p -> annotations.put(p.value().substring(0, p.value().indexOf(": ")), p.value().substring(p.value().indexOf(": ") + 2)));
    return annotations;
  }

  /** Starts nginx with one server block per instance host, as ingress-nginx would serve their Ingresses. */
  private void startNginx(String... hosts) throws Exception {
    Map<String, String> annotations = renderedIngressAnnotations();
    List<NginxConfig.IngressHost> ingresses = new ArrayList<>();
    for (String host : hosts) ingresses.add(new NginxConfig.IngressHost(host, annotations));
    front = freePort();
    dir = Files.createTempDirectory("nginx");
    Path conf = NginxConfig.writeIngress(dir, front, freePort(), ingresses);
    nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    await().atMost(WAIT).failFast("nginx exited: see " + dir.resolve("nginx.out"), () -> !nginx.isAlive())
        .ignoreExceptions().until(() -> {
          new Socket("127.0.0.1", front).close();
          return true;
        });
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private String runningHost(String name, String owner) {
    install(name, owner);
    return URI.create(awaitPhase(name, InstancePhase.Running).getStatus().getUrl()).getHost();
  }

  private HttpResponse<String> browse(String host, String path, String user, String forgedUser) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + path)).header("Host", host).GET();
    if (user != null) request.header("Cookie", gateway.cookie(user));
    if (forgedUser != null) request.header("X-Auth-Request-User", forgedUser);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What came back on a raw connection: the status code and the body. */
  record Raw(int status, String body) {}

  /**
   * Sends {@code requestLine} as it is (an absolute-form request line is what a browser's HTTP client
   * never sends, so this is a socket), with a Host header when {@code host} is not null.
   */
  private Raw raw(String requestLine, String host, String user) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", front)) {
      socket.setSoTimeout((int) WAIT.toMillis());
      StringBuilder request = new StringBuilder(requestLine).append("\r\n");
      if (host != null) request.append("Host: ").append(host).append("\r\n");
      if (user != null) request.append("Cookie: ").append(gateway.cookie(user)).append("\r\n");
      request.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(response.split(" ", 3)[1]);
      int bodyStart = response.indexOf("\r\n\r\n");
      return new Raw(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
    }
  }

  @Test
  void theOwnerGetsThroughAnotherUserIsForbiddenAndNoSessionIsSentToSignIn() throws Exception {
    applyExampleTemplate();
    String host = runningHost("alice-sd", "alice");
    startNginx(host);

    await().atMost(WAIT).until(() -> browse(host, "/", "alice", null).statusCode() == 200);
    HttpResponse<String> owner = browse(host, "/sdapi/v1/options?x=1", "alice", null);
    assertThat(owner.statusCode()).isEqualTo(200);
    assertThat(owner.body()).isEqualTo(host + " for alice\n");

    assertThat(browse(host, "/", "bob", null).statusCode()).isEqualTo(403);
    assertThat(browse(host, "/", "bob", "alice").statusCode()).as("a forged identity header changes nothing").isEqualTo(403);

    HttpResponse<String> anonymous = browse(host, "/txt2img?prompt=dog", null, "alice");
    assertThat(anonymous.statusCode()).isEqualTo(302);
    assertThat(anonymous.headers().firstValue("Location"))
        .hasValue(SIGN_IN + "?rd=http://" + host + "/txt2img?prompt=dog");

    assertThat(browse("x" + host, "/", "alice", null).statusCode())
        .as("a host that extends the owner's is no Ingress host: nginx's default server answers").isEqualTo(404);
  }

  /**
   * nginx picks the server block by the host of an absolute-form request line, while X-Original-URL
   * carries the client's Host header: an attacker names the victim's host in the request line and
   * their own in the Host header. Each form of the victim's host in the request line that nginx
   * routes to the victim's server block is tried over HTTP/1.1 and HTTP/1.0, in both directions.
   */
  @Test
  void nobodyReachesAnotherUsersInstanceByNamingItInTheRequestLineAndTheOwnerStillGetsIn() throws Exception {
    applyExampleTemplate();
    Map<String, String> hostOf = Map.of("alice", runningHost("alice-sd", "alice"), "bob", runningHost("bob-sd", "bob"));
    startNginx(hostOf.get("alice"), hostOf.get("bob"));
    await().atMost(WAIT).until(() -> browse(hostOf.get("alice"), "/", "alice", null).statusCode() == 200);

    List<String> failures = new ArrayList<>();
    for (String version : List.of("HTTP/1.1", "HTTP/1.0")) {
      for (String[] pair : List.of(new String[] {"bob", "alice"}, new String[] {"alice", "bob"})) {
        String attacker = pair[0];
        String victimHost = hostOf.get(pair[1]);
        String victimPage = victimHost + " for " + attacker;
        for (String target : List.of("http://" + victimHost + "/", "http://" + victimHost + ":80/",
            "http://" + victimHost + ":" + front + "/", "http://" + victimHost.toUpperCase(Locale.ROOT) + "/",
            "http://" + victimHost + "./", "https://" + victimHost + "/")) {
          String request = "GET " + target + " " + version;
          Raw attack = raw(request, hostOf.get(attacker), attacker);
          if (attack.status() != 403 || attack.body().contains(victimPage)) {
            failures.add(attacker + ": " + request + " + Host: " + hostOf.get(attacker) + " -> " + attack.status() + " " + attack.body().strip());
          }
          Raw owner = raw(request, victimHost, pair[1]);
          if (owner.status() != 200 || !owner.body().equals(victimHost + " for " + pair[1] + "\n")) {
            failures.add("owner " + pair[1] + ": " + request + " + Host: " + victimHost + " -> " + owner.status() + " " + owner.body().strip());
          }
        }
      }
      Raw unknown = raw("GET http://nobody.example.com/ " + version, hostOf.get("alice"), "alice");
      assertThat(unknown.status()).as("a request line naming no Ingress host goes to the default server").isEqualTo(404);
    }
    assertThat(failures).as("requests that got the wrong answer").isEmpty();
  }
}
