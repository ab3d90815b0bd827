package dev.aigc.operator.sandbox;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address kubectl talks to: an HTTP server on localhost in front of the sandbox's API
 * ({@link KubeApiDispatcher}). It answers as the mock server does, and also streams watches over
 * plain HTTP, which is how kubectl watches (the mock server only upgrades watches to WebSockets,
 * as fabric8 clients ask).
 */
public final class ApiFront implements AutoCloseable {
  /** One line per request, at INFO, when the sandbox runs with -vv. */
  static final Logger requests = LoggerFactory.getLogger("dev.aigc.operator.sandbox.requests");
  private final Vertx vertx;
  private final HttpServer server;

  private ApiFront(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /** Listens on 127.0.0.1; port 0 picks a free one. */
  public static ApiFront start(Dispatcher dispatcher, int port) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port));
    server.requestHandler(request -> handle(vertx, dispatcher, request));
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
    return new ApiFront(vertx, server);
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  private static void handle(Vertx vertx, Dispatcher dispatcher, HttpServerRequest request) {
    Future<io.vertx.core.buffer.Buffer> body = hasBody(request) ? request.body() : Future.succeededFuture(null);
    body.onFailure(e -> request.response().setStatusCode(500).end());
    body.onSuccess(bytes -> {
      RecordedRequest recorded = new RecordedRequest(request.version().alpnName().toUpperCase(Locale.ROOT),
          HttpMethod.fromVertx(request.method()), request.uri(), Headers.builder().addAll(request.headers()).build(),
          new Buffer(bytes == null ? null : bytes.getBytes()));
      MockResponse answer;
      try {
        answer = dispatcher.dispatch(recorded);
      } catch (RuntimeException e) {
        LoggerFactory.getLogger(ApiFront.class).warn("sandbox API: {} failed", recorded, e);
        request.response().setStatusCode(500).end();
        return;
      }
      requests.info("{} {} -> {}", request.method(), request.uri(), answer.code() == 0 ? "watch" : answer.code());
      if (answer.getWebSocketListener() != null) {
        if ("websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
          request.toWebSocket().onSuccess(new ServerWebSocketHandler(recorded, answer));
        } else {
          HttpWatchStream.start(vertx, recorded, answer, request.response(), timeoutSeconds(recorded));
        }
        return;
      }
      HttpServerResponse response = request.response().setStatusCode(answer.code());
      answer.getHeaders().toMultimap().forEach((key, values) -> response.headers().add(key, values));
      byte[] out = answer.getBody() == null ? new byte[0] : answer.getBody().getBytes();
      response.end(io.vertx.core.buffer.Buffer.buffer(out));
    });
  }

  private static Long timeoutSeconds(RecordedRequest request) {
    String timeout = ApiRequest.of(request).param("timeoutSeconds");
    try {
      return timeout == null ? null : Long.parseLong(timeout);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return length != null && !length.isBlank() && Long.parseLong(length.trim()) > 0
        || request.getHeader("Content-Type") != null || request.getHeader("Transfer-Encoding") != null;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
