package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.reconcile.AigcOperator;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's quick start: the sandbox starts, a user signs in with any name, installs, sees Running. */
class SandboxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static Sandbox sandbox;
  private static String base;
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    sandbox = Sandbox.start(new Sandbox.Options(0, 0, dir.resolve("kubeconfig")));
    base = sandbox.dashboardUrl().replaceAll("/$", "");
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) sandbox.close();
  }

  @Test
  void aUserSignsInThroughTheDevelopmentProviderAndGetsARunningInstance() throws Exception {
    HttpResponse<String> start = send(HttpRequest.newBuilder(URI.create(base + "/sign-in")).GET());
    String flow = cookie(start, "aigc_sign_in");
    String authorize = start.headers().firstValue("Location").orElseThrow();

    HttpResponse<String> loginPage = send(HttpRequest.newBuilder(URI.create(authorize)).GET());
    assertThat(loginPage.body()).containsIgnoringCase("username");
    HttpResponse<String> login = send(HttpRequest.newBuilder(URI.create(authorize))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("username=carol")));
    String callback = login.headers().firstValue("Location").orElseThrow();
    assertThat(callback).startsWith(base + "/callback");

    HttpResponse<String> signedIn = send(HttpRequest.newBuilder(URI.create(callback)).header("Cookie", "aigc_sign_in=" + flow).GET());
    String session = "aigc_session=" + cookie(signedIn, "aigc_session");

    JsonNode templates = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/templates")).header("Cookie", session).GET()).body());
    assertThat(templates.path("items").size()).isGreaterThanOrEqualTo(5);

    HttpResponse<String> installed = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/instances"))
        .header("Cookie", session).header("Origin", base).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"template\": \"stable-diffusion-cpu\"}")));
    assertThat(installed.statusCode()).as(installed.body()).isEqualTo(201);

    await().atMost(WAIT).until(() -> {
      JsonNode mine = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/instances")).header("Cookie", session).GET()).body());
      return mine.path("items").size() == 1 && "Running".equals(mine.path("items").get(0).path("phase").asText());
    });
  }

  @Test
  void theSignInPageLoadsNothingFromOutside() throws Exception {
    String authorize = send(HttpRequest.newBuilder(URI.create(base + "/sign-in")).GET()).headers().firstValue("Location").orElseThrow();
    String page = send(HttpRequest.newBuilder(URI.create(authorize)).GET()).body();
    assertThat(page).contains("name=\"username\"").doesNotContain("//", "src=", "href=", "@import", "url(");
  }

  /** The README's REST API examples: a password grant at the development provider gives a user's bearer token. */
  @Test
  void aRestApiCallerGetsABearerTokenFromTheDevelopmentProvider() throws Exception {
    String form = "grant_type=password&client_id=" + Sandbox.OIDC_CLIENT_ID + "&scope=openid&username=alice&password=any";
    HttpResponse<String> token = send(HttpRequest.newBuilder(URI.create(sandbox.tokenUrl()))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    String idToken = JSON.readTree(token.body()).path("id_token").asText();

    HttpResponse<String> me = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/me")).header("Authorization", "Bearer " + idToken).GET());
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(JSON.readTree(me.body()).path("user").asText()).isEqualTo("alice");
  }

  /**
   * The sandbox's operator holds the Lease, and another operator run against the sandbox's API passes
   * JOSDK's permission check and waits as a standby (the API used to answer that check with 422).
   */
  @Test
  void anOperatorRunAgainstTheSandboxTakesPartInLeaderElection() throws Exception {
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(
        Files.readString(sandbox.kubeconfig().orElseThrow()))).build()) {
      await().atMost(WAIT).until(() -> lease(client) != null && lease(client).getSpec().getHolderIdentity() != null);
      String holder = lease(client).getSpec().getHolderIdentity();

      AigcOperator standby = new AigcOperator(client, new OperatorSettings(Set.of(), null, null, Sandbox.NAMESPACE, false),
          Telemetry.inMemory()).start();
      try {
        assertThat(standby.isLeader()).isFalse();
        assertThat(standby.ready()).isTrue();
        assertThat(lease(client).getSpec().getHolderIdentity()).isEqualTo(holder);
      } finally {
        standby.close();
      }
    }
  }

  @Test
  void aTakenPortIsNamedWithItsFlag() {
    int taken = URI.create(base).getPort();
    assertThatThrownBy(() -> Sandbox.start(new Sandbox.Options(taken, 0, null)))
        .isInstanceOf(SandboxException.class)
        .hasMessage("port " + taken + " is already in use on localhost (--port): stop what uses it, or choose another port with "
            + "--port <port> (0 picks a free one)");
    int api = URI.create(sandbox.apiUrl()).getPort();
    assertThatThrownBy(() -> Sandbox.start(new Sandbox.Options(0, api, null)))
        .isInstanceOf(SandboxException.class).hasMessageContaining("(--api-port)");
  }

  @Test
  void aKubeconfigTheSandboxDidNotWriteIsNeverReplaced(@TempDir Path dir) throws Exception {
    Path someonesConfig = dir.resolve("config");
    Files.writeString(someonesConfig, "apiVersion: v1\nkind: Config\n");
    assertThatThrownBy(() -> Sandbox.start(new Sandbox.Options(0, 0, someonesConfig)))
        .isInstanceOf(SandboxException.class).hasMessageContaining("was not written by the sandbox");
    assertThat(Files.readString(someonesConfig)).isEqualTo("apiVersion: v1\nkind: Config\n");
  }

  private static Lease lease(KubernetesClient client) {
    return client.leases().inNamespace(Sandbox.NAMESPACE).withName(OperatorSettings.LEASE_NAME).get();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String cookie(HttpResponse<?> response, String name) {
    String header = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    return HttpCookie.parse("Set-Cookie: " + header).get(0).getValue();
  }
}
