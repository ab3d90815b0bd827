package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's Vert.x leaves out per-connection socket options that set what the socket has
 * already: the connections it serves must still have Nagle off and keep-alive off, and a burst of
 * connections must all be served with one accept per wake-up.
 */
class GatewayVertxTest {
  Vertx vertx;
  HttpServer server;
  int port;

  @BeforeEach
  void start() throws Exception {
    vertx = GatewayVertx.create();
    server = vertx.createHttpServer(new HttpServerOptions()).requestHandler(request -> {
      Channel channel = ((ConnectionBase) request.connection()).channel();
      request.response().end("nodelay=" + channel.config().getOption(ChannelOption.TCP_NODELAY)
          + " keepalive=" + channel.config().getOption(ChannelOption.SO_KEEPALIVE));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void servedConnectionsHaveNagleOffAndKeepAliveOff() throws Exception {
    // Nagle on would hold back the second write of a response on a kept-alive connection for a delayed ACK (40 ms)
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("nodelay=true keepalive=false");
  }

  @Test
  void aBurstOfNewConnectionsIsAllServed() throws Exception {
    // a client per request, so each is a connection of its own, all opened at once
    List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 64)
        .mapToObj(i -> HttpClient.newHttpClient().sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + i)).build(),
            HttpResponse.BodyHandlers.ofString()))
        .toList();

    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(response.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }
}
