package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's quick start: the sandbox starts, a user signs in with any name, installs, sees Running. */
class SandboxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void aUserSignsInThroughTheDevelopmentProviderAndGetsARunningInstance() throws Exception {
    try (Sandbox sandbox = Sandbox.start(0)) {
      String base = sandbox.dashboardUrl().replaceAll("/$", "");
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

      await().atMost(Duration.ofSeconds(60)).until(() -> {
        JsonNode mine = JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/instances")).header("Cookie", session).GET()).body());
        return mine.path("items").size() == 1 && "Running".equals(mine.path("items").get(0).path("phase").asText());
      });
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String cookie(HttpResponse<?> response, String name) {
    String header = response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow();
    return HttpCookie.parse("Set-Cookie: " + header).get(0).getValue();
  }
}
