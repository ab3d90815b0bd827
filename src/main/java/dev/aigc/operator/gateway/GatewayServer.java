package dev.aigc.operator.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP endpoints on Vert.x Web; for now {@code /auth} and {@code /healthz}. */
public final class GatewayServer implements AutoCloseable {
  public static final String SESSION_COOKIE = "aigc_session";
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final Vertx vertx;
  private final SessionCodec sessions;
  private final AuthDecider decider;
  private final ProxyMode proxyMode;
  private HttpServer server;

  /** How the auth subrequest names the original request; trusted only as configured. */
  public enum ProxyMode {
    /** ingress-nginx: X-Original-URL. */
    NGINX,
    /** Traefik ForwardAuth: X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Uri. */
    TRAEFIK
  }

  public GatewayServer(Vertx vertx, SessionCodec sessions, AuthDecider decider, ProxyMode proxyMode) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.decider = decider;
    this.proxyMode = proxyMode;
  }

  /** Starts listening; port 0 picks a free one. Returns the port. */
  public int start(String host, int port) throws Exception {
    Router router = Router.router(vertx);
    router.get("/auth").handler(this::auth);
    router.get("/healthz").handler(ctx -> ctx.response().end("ok"));
    server = vertx.createHttpServer().requestHandler(router).listen(port, host)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    log.info("gateway listening on {}:{}", host, server.actualPort());
    return server.actualPort();
  }

  private void auth(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    Optional<Session> session = sessions.open(cookie == null ? null : cookie.getValue());
    AuthDecider.Decision decision = decider.decide(originalUrl(ctx), session);
    var response = ctx.response().setStatusCode(decision.status()).putHeader("Cache-Control", "no-store");
    if (decision.status() == 200) {
      response.putHeader("X-Auth-Request-User", decision.user());
      if (decision.email() != null) response.putHeader("X-Auth-Request-Email", decision.email());
    } else {
      log.debug("auth {}: {}", decision.status(), decision.reason());
    }
    response.end();
  }

  private String originalUrl(RoutingContext ctx) {
    var headers = ctx.request().headers();
    if (proxyMode == ProxyMode.TRAEFIK) {
      String proto = headers.get("X-Forwarded-Proto");
      String host = headers.get("X-Forwarded-Host");
      String uri = headers.get("X-Forwarded-Uri");
      if (proto == null || host == null) return null;
      return proto + "://" + host + (uri == null ? "/" : uri);
    }
    return headers.get("X-Original-URL");
  }

  @Override
  public void close() throws Exception {
    if (server != null) server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
