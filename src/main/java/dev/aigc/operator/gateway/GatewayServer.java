package dev.aigc.operator.gateway;

import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.render.GameServerSetRenderer;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP endpoints on Vert.x Web: /auth, sign-in, the REST API and health. */
public final class GatewayServer implements AutoCloseable {
  public static final String SESSION_COOKIE = "aigc_session";
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final Vertx vertx;
  private final SessionCodec sessions;
  private final AuthDecider decider;
  private final ProxyMode proxyMode;
  private final OidcProvider provider;
  private final GatewaySettings settings;
  private final Catalog catalog;
  private final Telemetry telemetry;
  private HttpServer server;

  /**
   * How the auth subrequest names the original request and the routed host; trusted only as
   * configured. The routed host is the {@code host} query parameter of the auth address
   * ({@link GameServerSetRenderer#ROUTED_HOST_PARAM}).
   */
  public enum ProxyMode {
    /**
     * ingress-nginx: X-Original-URL, and the routed host from the auth-url the operator renders
     * ({@code ?host=$server_name}), required: an Ingress whose auth-url lacks it was not rendered by
     * the operator, and its X-Original-URL alone cannot be trusted.
     */
    NGINX,
    /**
     * Traefik ForwardAuth: X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Uri. Traefik sets
     * X-Forwarded-Host from the same request host it routes by, unless the middleware trusts
     * forwarded headers (README: the gateway section); a {@code host} parameter in a per-router
     * middleware's address is checked as in NGINX mode but not required.
     */
    TRAEFIK
  }

  /** Only /auth (and health): for an auth-only deployment, and for tests of the decision. */
  public GatewayServer(Vertx vertx, SessionCodec sessions, AuthDecider decider, ProxyMode proxyMode) {
    this(vertx, sessions, decider, proxyMode, Telemetry.inMemory());
  }

  /** As above, recording auth decisions in {@code telemetry}. */
  public GatewayServer(Vertx vertx, SessionCodec sessions, AuthDecider decider, ProxyMode proxyMode, Telemetry telemetry) {
    this(vertx, null, sessions, decider, proxyMode, null, null, telemetry);
  }

  /** Everything: /auth, sign-in with {@code provider}, and the REST API over {@code catalog}. */
  public GatewayServer(Vertx vertx, GatewaySettings settings, SessionCodec sessions, AuthDecider decider,
      OidcProvider provider, Catalog catalog) {
    this(vertx, settings, sessions, decider, settings.proxyMode(), provider, catalog, Telemetry.inMemory());
  }

  /** As above, recording auth decisions and latency in {@code telemetry}. */
  public GatewayServer(Vertx vertx, GatewaySettings settings, SessionCodec sessions, AuthDecider decider,
      OidcProvider provider, Catalog catalog, Telemetry telemetry) {
    this(vertx, settings, sessions, decider, settings.proxyMode(), provider, catalog, telemetry);
  }

  private GatewayServer(Vertx vertx, GatewaySettings settings, SessionCodec sessions, AuthDecider decider,
      ProxyMode proxyMode, OidcProvider provider, Catalog catalog, Telemetry telemetry) {
    this.vertx = vertx;
    this.settings = settings;
    this.sessions = sessions;
    this.decider = decider;
    this.proxyMode = proxyMode;
    this.provider = provider;
    this.catalog = catalog;
    this.telemetry = telemetry;
  }

  /** Starts listening; port 0 picks a free one. Returns the port. */
  public int start(String host, int port) throws Exception {
    Router router = Router.router(vertx);
    router.get("/auth").handler(this::auth);
    router.get("/healthz").handler(ctx -> ctx.response().end("ok"));
    router.get("/readyz").handler(ctx -> ctx.response().setStatusCode(catalog == null || catalog.synced() ? 200 : 503).end());
    if (provider != null) new SignInRoutes(settings, sessions, provider).mount(router);
    if (catalog != null) new ApiRoutes(settings, sessions, provider, catalog).mount(router);
    if (catalog != null) {
      // the dashboard: static files from the jar, no build toolchain needed to serve it
      router.route("/*").handler(ctx -> {
        ctx.response()
            .putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
            .putHeader("X-Content-Type-Options", "nosniff")
            .putHeader("Referrer-Policy", "same-origin");
        ctx.next();
      });
      router.route("/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false));
    }
    server = vertx.createHttpServer().requestHandler(router).listen(port, host)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    log.info("gateway listening on {}:{}", host, server.actualPort());
    return server.actualPort();
  }

  private void auth(RoutingContext ctx) {
    long started = System.nanoTime();
    AuthDecider.Decision decision = decide(ctx);
    telemetry.authDecided(decision.status(), System.nanoTime() - started);
    switch (decision.routing()) {
      case HOST_MISMATCH -> telemetry.authHostMismatch();
      case NO_ROUTED_HOST -> telemetry.authWithoutRoutedHost();
      case CONSISTENT -> { }
    }
    var response = ctx.response().setStatusCode(decision.status()).putHeader("Cache-Control", "no-store");
    if (decision.status() == 200) {
      response.putHeader("X-Auth-Request-User", decision.user());
      if (decision.email() != null) response.putHeader("X-Auth-Request-Email", decision.email());
    } else {
      log.debug("auth {}: {}", decision.status(), decision.reason());
    }
    response.end();
  }

  private AuthDecider.Decision decide(RoutingContext ctx) {
    List<String> routed = ctx.queryParam(GameServerSetRenderer.ROUTED_HOST_PARAM);
    if (routed.size() > 1) {
      return AuthDecider.Decision.misrouted(AuthDecider.Routing.NO_ROUTED_HOST, "more than one routed host: " + routed);
    }
    if (routed.isEmpty() && proxyMode == ProxyMode.NGINX) {
      return AuthDecider.Decision.misrouted(AuthDecider.Routing.NO_ROUTED_HOST,
          "the auth-url names no routed host (?" + GameServerSetRenderer.ROUTED_HOST_PARAM + "=$server_name): not an Ingress the operator rendered");
    }
    return decider.decide(originalUrl(ctx), routed.stream().findFirst(), caller(ctx));
  }

  /** The session cookie, or else a bearer token the provider signed (checked against cached keys). */
  private Optional<Session> caller(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    Optional<Session> session = sessions.open(cookie == null ? null : cookie.getValue());
    if (session.isPresent() || provider == null) return session;
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
    return provider.verify(header.substring(7).strip())
        .map(claims -> {
          OidcProvider.Identity id = provider.identity(claims);
          return id.user() == null ? null : new Session(id.user(), id.email(), id.admin(), claims.getExpirationTime().toInstant());
        });
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
