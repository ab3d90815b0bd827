package dev.aigc.operator.sandbox;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A watch served the way kubectl (client-go) asks for it: one chunked HTTP response with a JSON event
 * per line, for as long as the client stays or until the request's timeoutSeconds. The store's
 * watch writes to WebSockets only, so this is the WebSocket it writes to.
 */
final class HttpWatchStream implements WebSocket {
  private final Vertx vertx;
  private final Context context;
  private final RecordedRequest request;
  private final HttpServerResponse response;
  private final WebSocketListener watch;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpWatchStream(Vertx vertx, RecordedRequest request, HttpServerResponse response, WebSocketListener watch) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.request = request;
    this.response = response;
    this.watch = watch;
  }

  /** Starts streaming the watch that the dispatcher answered with. */
  static void start(Vertx vertx, RecordedRequest request, MockResponse answer, HttpServerResponse response, Long timeoutSeconds) {
    HttpWatchStream stream = new HttpWatchStream(vertx, request, response, answer.getWebSocketListener());
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
    response.closeHandler(v -> stream.finish());
    response.exceptionHandler(e -> stream.finish());
    response.writeHead();
    if (timeoutSeconds != null && timeoutSeconds > 0) vertx.setTimer(timeoutSeconds * 1000, t -> stream.close(1000, "timeout"));
    stream.watch.onOpen(stream, answer);
  }

  @Override
  public RecordedRequest request() {
    return request;
  }

  @Override
  public boolean send(String text) {
    if (closed.get()) return false;
    context.runOnContext(v -> {
      if (!closed.get()) response.write(text + "\n");
    });
    return true;
  }

  @Override
  public boolean send(byte[] bytes) {
    return send(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The server ends the watch (timeout): the response ends, and the client lists and watches again. */
  @Override
  public boolean close(int code, String reason) {
    context.runOnContext(v -> {
      if (!response.ended() && !response.closed()) response.end();
      finish();
    });
    return true;
  }

  /** The client went away or the response ended: the store stops sending (off the event loop: it waits). */
  private void finish() {
    if (closed.compareAndSet(false, true)) {
      vertx.executeBlocking(() -> {
        watch.onClosed(this, 1000, "closed");
        return null;
      }, false);
    }
  }
}
