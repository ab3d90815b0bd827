package dev.aigc.operator.observe;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The management port: /healthz (alive), /readyz (ready to serve), /metrics (Prometheus). */
public final class ManagementServer implements AutoCloseable {
  private final Vertx vertx;
  private HttpServer server;

  public ManagementServer(Vertx vertx) {
    this.vertx = vertx;
  }

  public int start(String host, int port, BooleanSupplier live, BooleanSupplier ready, Telemetry telemetry) throws Exception {
    Router router = Router.router(vertx);
    router.get("/healthz").handler(ctx -> ctx.response().setStatusCode(live.getAsBoolean() ? 200 : 503).end());
    router.get("/readyz").handler(ctx -> ctx.response().setStatusCode(ready.getAsBoolean() ? 200 : 503).end());
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(telemetry.scrape()));
    server = vertx.createHttpServer().requestHandler(router).listen(port, host)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    if (server != null) server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
