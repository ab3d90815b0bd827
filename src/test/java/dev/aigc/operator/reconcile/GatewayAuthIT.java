package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /auth over real HTTP, deciding from an informer-fed directory of the instances the operator runs. */
class GatewayAuthIT extends OperatorTestBase {
  private AuthGateway gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void startGateway() throws Exception {
    gateway = new AuthGateway(cluster);
  }

  @AfterEach
  void stopGateway() throws Exception {
    gateway.close();
  }

  private HttpResponse<String> auth(String originalUrl, String user) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port + "/auth")).GET();
    if (originalUrl != null) request.header("X-Original-URL", originalUrl);
    if (user != null) request.header("Cookie", gateway.cookie(user));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void onlyTheOwnerOfARunningInstanceGetsThroughToItsHost() throws Exception {
    applyExampleTemplate();
    install("alice-sd", "alice");
    String url = awaitPhase("alice-sd", InstancePhase.Running).getStatus().getUrl();

    await().atMost(WAIT).until(() -> auth(url + "sdapi/v1/options", "alice").statusCode() == 200);
    HttpResponse<String> allowed = auth(url, "alice");
    assertThat(allowed.headers().firstValue("X-Auth-Request-User")).hasValue("alice");
    assertThat(allowed.headers().firstValue("X-Auth-Request-Email")).hasValue("alice@example.com");
    assertThat(auth(url, "bob").statusCode()).isEqualTo(403);
    assertThat(auth(url, null).statusCode()).isEqualTo(401);
    assertThat(auth(null, "alice").statusCode()).isEqualTo(403);

    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    await().atMost(WAIT).until(() -> auth(url, "alice").statusCode() == 403);
  }
}
