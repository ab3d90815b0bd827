package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.sim.NginxConfig;
import dev.aigc.operator.sim.SystemPrograms;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real nginx configured as ingress-nginx configures auth-url and auth-signin, in front of a stub
 * backend, asking the gateway's /auth about the instances the operator runs.
 */
class NginxAuthIT extends OperatorTestBase {
  static final String SIGN_IN = "https://aigc.example.test/sign-in";
  private Process nginx;
  private AuthGateway gateway;
  private int front;
  private Path dir;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void startNginx() throws Exception {
    Path binary = SystemPrograms.require("nginx-light (or nginx)", "nginx", "/usr/sbin/nginx");
    gateway = new AuthGateway(cluster);
    int gatewayPort = gateway.port;
    front = freePort();
    dir = Files.createTempDirectory("nginx");
    Path conf = NginxConfig.write(dir, freePort(), SIGN_IN,
        List.of(new NginxConfig.Front(front, "http://127.0.0.1:" + gatewayPort + "/auth")));
    nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      new java.net.Socket("127.0.0.1", front).close();
      return true;
    });
  }

  @AfterEach
  void stopNginx() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
    }
    if (gateway != null) gateway.close();
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private HttpResponse<String> browse(String host, String path, String user, String forgedUser) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + path)).header("Host", host).GET();
    if (user != null) request.header("Cookie", gateway.cookie(user));
    if (forgedUser != null) request.header("X-Auth-Request-User", forgedUser);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theOwnerGetsThroughAnotherUserIsForbiddenAndNoSessionIsSentToSignIn() throws Exception {
    applyExampleTemplate();
    install("alice-sd", "alice");
    String host = URI.create(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getUrl()).getHost();

    await().atMost(WAIT).until(() -> browse(host, "/", "alice", null).statusCode() == 200);
    HttpResponse<String> owner = browse(host, "/sdapi/v1/options?x=1", "alice", null);
    assertThat(owner.statusCode()).isEqualTo(200);
    assertThat(owner.body()).isEqualTo("backend for alice\n");

    assertThat(browse(host, "/", "bob", null).statusCode()).isEqualTo(403);
    assertThat(browse(host, "/", "bob", "alice").statusCode()).as("a forged identity header changes nothing").isEqualTo(403);

    HttpResponse<String> anonymous = browse(host, "/txt2img?prompt=dog", null, "alice");
    assertThat(anonymous.statusCode()).isEqualTo(302);
    assertThat(anonymous.headers().firstValue("Location"))
        .hasValue(SIGN_IN + "?rd=http://" + host + "/txt2img?prompt=dog");

    assertThat(browse("x" + host, "/", "alice", null).statusCode()).as("a host that extends the owner's").isEqualTo(403);
  }
}
