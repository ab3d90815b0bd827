package dev.aigc.operator.gateway;

import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.render.GameServerSetRenderer;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP endpoints on Vert.x Web: /auth, sign-in, the REST API and health. */
public final class GatewayServer implements AutoCloseable {
  public static final String SESSION_COOKIE = "aigc_session";
  private static final String SESSION_COOKIE_PREFIX = SESSION_COOKIE + "=";
  private static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  private static final CharSequence AUTH_USER = HttpHeaders.createOptimized("X-Auth-Request-User");
  static final CharSequence SEC_FETCH_SITE = HttpHeaders.createOptimized("Sec-Fetch-Site");
  private static final int MAX_SESSION_COOKIES = 3;
  private static final CharSequence AUTH_EMAIL = HttpHeaders.createOptimized("X-Auth-Request-Email");
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
    // ingress-nginx opens a connection per auth subrequest (auth-keepalive is 0 by default): nothing
    // per connection that no request needs (h2c upgrade, WebSocket compression)
    HttpServerOptions options = new HttpServerOptions()
        .setHttp2ClearTextEnabled(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    // ingress-nginx's default backend for the Ingresses of instances that idle: any path, any host
    WakePage wake = new WakePage(decider, this::caller, settings);
    // /auth is every request of every instance page: answered straight from the request, without
    // the router's per-request context; everything else goes through the router
    server = vertx.createHttpServer(options)
        .requestHandler(request -> {
          if (WakePage.isDefaultBackendRequest(request)) {
            wake.handle(request);
          } else if (request.method() == HttpMethod.GET && "/auth".equals(request.path())) {
            auth(request);
          } else {
            router.handle(request);
          }
        })
        .listen(port, host)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    log.info("gateway listening on {}:{}", host, server.actualPort());
    return server.actualPort();
  }

  private void auth(HttpServerRequest request) {
    long started = System.nanoTime();
    AuthDecider.Decision decision = decide(request);
    telemetry.authDecided(decision.status(), System.nanoTime() - started);
    switch (decision.routing()) {
      case HOST_MISMATCH -> telemetry.authHostMismatch();
      case NO_ROUTED_HOST -> telemetry.authWithoutRoutedHost();
      case CONSISTENT -> { }
    }
    HttpServerResponse response = request.response().setStatusCode(decision.status()).putHeader(CACHE_CONTROL, NO_STORE);
    if (decision.status() == 200) {
      response.putHeader(AUTH_USER, decision.user());
      if (decision.email() != null) response.putHeader(AUTH_EMAIL, decision.email());
    } else {
      log.debug("auth {}: {}", decision.status(), decision.reason());
    }
    response.end();
  }

  private AuthDecider.Decision decide(HttpServerRequest request) {
    List<String> routed = routedHosts(request.query());
    if (routed.size() > 1) {
      return AuthDecider.Decision.misrouted(AuthDecider.Routing.NO_ROUTED_HOST, "more than one routed host: " + routed);
    }
    if (routed.isEmpty() && proxyMode == ProxyMode.NGINX) {
      return AuthDecider.Decision.misrouted(AuthDecider.Routing.NO_ROUTED_HOST,
          "the auth-url names no routed host (?" + GameServerSetRenderer.ROUTED_HOST_PARAM + "=$server_name): not an Ingress the operator rendered");
    }
    return decider.decide(originalUrl(request), routed.isEmpty() ? Optional.empty() : Optional.of(routed.get(0)), caller(request),
        !startedElsewhere(request));
  }

  /**
   * A request a page of another origin made the browser send (its Fetch Metadata, which the proxy
   * passes on from the client's request): the owner's SameSite=Lax cookie goes along with a top-level
   * navigation from any site, and with any request from a same-site one (another host under the same
   * domain), so such pages could otherwise wake a suspended instance or keep one awake. Let through,
   * not counted as use: only the instance's own pages, a typed URL or a bookmark (same-origin, none)
   * are. A client can claim less (leave the header out) but gains nothing it could not do with its
   * own cookie.
   */
  static boolean startedElsewhere(HttpServerRequest request) {
    String site = request.getHeader(SEC_FETCH_SITE);
    return site != null && !"same-origin".equalsIgnoreCase(site) && !"none".equalsIgnoreCase(site);
  }

  /**
   * The values of the routed-host parameter in this query, read as Vert.x reads parameters ({@code &}
   * and {@code ;} separate them, names are decoded and case-insensitive), without decoding or keeping
   * the parameters /auth does not read.
   */
  static List<String> routedHosts(String query) {
    List<String> hosts = new ArrayList<>(1);
    if (query == null) return hosts;
    int end = query.indexOf('#');
    end = end < 0 ? query.length() : end;
    for (int from = 0; from < end; ) {
      int next = from;
      while (next < end && query.charAt(next) != '&' && query.charAt(next) != ';') next++;
      while (from < next && query.charAt(from) == '=') from++; // as Netty does: "=host" is host, empty
      int equals = query.indexOf('=', from);
      int nameEnd = equals >= 0 && equals < next ? equals : next;
      if (nameEnd > from && decode(query.substring(from, nameEnd)).equalsIgnoreCase(GameServerSetRenderer.ROUTED_HOST_PARAM)) {
        hosts.add(decode(nameEnd < next ? query.substring(nameEnd + 1, next) : ""));
      }
      from = next + 1;
    }
    return hosts;
  }

  private static String decode(String component) {
    return component.indexOf('%') < 0 && component.indexOf('+') < 0 ? component : QueryStringDecoder.decodeComponent(component);
  }

  /** The session cookie, or else a bearer token the provider signed (checked against cached keys). */
  private Optional<Session> caller(HttpServerRequest request) {
    Optional<Session> session = sessionCookie(request.headers().getAll(HttpHeaders.COOKIE));
    if (session.isPresent() || provider == null) return session;
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
    return provider.verify(header.substring(7).strip())
        .map(claims -> {
          OidcProvider.Identity id = provider.identity(claims);
          return id.user() == null ? null : new Session(id.user(), id.email(), id.admin(), claims.getExpirationTime().toInstant());
        });
  }

  /**
   * The first session cookie in these Cookie headers that opens. Read by hand: a full cookie parse
   * (and its validation of every other cookie of the domain) on every /auth buys nothing, since the
   * codec refuses any value it did not seal.
   */
  private Optional<Session> sessionCookie(List<String> headers) {
    // a browser sends at most a host-only and a domain copy; each value tried may cost a decryption on
    // the event loop, so a header packed with forged copies is read no further than the third
    int tries = 0;
    for (String header : headers) {
      int from = 0;
      while (true) {
        int at = header.indexOf(SESSION_COOKIE_PREFIX, from);
        if (at < 0) break;
        from = at + SESSION_COOKIE_PREFIX.length();
        if (at > 0 && header.charAt(at - 1) != ' ' && header.charAt(at - 1) != ';') continue; // the end of another cookie's name
        if (++tries > MAX_SESSION_COOKIES) return Optional.empty();
        int end = header.indexOf(';', from);
        Optional<Session> session = sessions.open(header.substring(from, end < 0 ? header.length() : end).strip());
        if (session.isPresent()) return session;
      }
    }
    return Optional.empty();
  }

  private String originalUrl(HttpServerRequest request) {
    var headers = request.headers();
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
