package dev.aigc.operator.sandbox;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Puts itself between the store's watch and the socket it writes to, so that each event can be
 * rewritten or dropped ({@link WatchEvents}) before it leaves, whether the watch is a WebSocket
 * (fabric8 clients) or an HTTP stream (kubectl). Once the store has sent what exists, the watch
 * also gets the events it missed before it opened (deletions, which the store does not replay).
 */
final class WatchFilter extends WebSocketListener {
  private final WebSocketListener store;
  private final UnaryOperator<String> events;
  private final Supplier<List<String>> missed;
  private final Map<WebSocket, WebSocket> filtered = new ConcurrentHashMap<>();

  /**
   * @param events each event's JSON rewritten, or null to drop it
   * @param missed the events made before the watch opened that it must still hear of
   */
  WatchFilter(WebSocketListener store, UnaryOperator<String> events, Supplier<List<String>> missed) {
    this.store = store;
    this.events = events;
    this.missed = missed;
  }

  private WebSocket filtered(WebSocket socket) {
    return filtered.computeIfAbsent(socket, Filtered::new);
  }

  @Override
  public void onBeforeAccept(WebSocket socket, Response response) {
    store.onBeforeAccept(filtered(socket), response);
  }

  @Override
  public void onOpen(WebSocket socket, Response response) {
    WebSocket filtered = filtered(socket);
    store.onOpen(filtered, response);
    missed.get().forEach(filtered::send);
  }

  @Override
  public void onMessage(WebSocket socket, String text) {
    store.onMessage(filtered(socket), text);
  }

  @Override
  public void onMessage(WebSocket socket, byte[] bytes) {
    store.onMessage(filtered(socket), bytes);
  }

  @Override
  public void onClosing(WebSocket socket, int code, String reason) {
    store.onClosing(filtered(socket), code, reason);
  }

  @Override
  public void onClosed(WebSocket socket, int code, String reason) {
    store.onClosed(filtered(socket), code, reason);
    filtered.remove(socket);
  }

  @Override
  public void onFailure(WebSocket socket, Throwable error, Response response) {
    store.onFailure(filtered(socket), error, response);
    filtered.remove(socket);
  }

  private final class Filtered implements WebSocket {
    private final WebSocket socket;

    Filtered(WebSocket socket) {
      this.socket = socket;
    }

    @Override
    public RecordedRequest request() {
      return socket.request();
    }

    @Override
    public boolean send(String text) {
      String out = events.apply(text);
      return out == null || socket.send(out);
    }

    @Override
    public boolean send(byte[] bytes) {
      return socket.send(bytes);
    }

    @Override
    public boolean close(int code, String reason) {
      return socket.close(code, reason);
    }
  }
}
