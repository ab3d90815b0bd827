package dev.aigc.operator.gateway;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The gateway as ingress-nginx's default backend of the instances' Ingresses (custom-http-errors
 * 503): a suspended instance's Service has no endpoints, so nginx hands its owner's request here,
 * with any path and the instance's Host, after auth-url allowed it. The owner's request wakes the
 * instance (a touch, which the activity publisher writes at once for a suspended instance) and gets
 * a "starting" page that reloads itself until nginx routes to the app again.
 *
 * <p>A navigation another page started (Sec-Fetch-Site cross-site or same-site: a link or redirect
 * elsewhere) does not wake a suspended instance: it gets a page with a link, and the owner's click
 * wakes it; unless its wake was asked for already (the dashboard's Open calls the API first).
 *
 * <p>Of nginx's headers only X-Namespace and X-Ingress-Name are read, to find the instance; who may
 * wake it is decided from the session alone. Anyone can call the gateway with these headers
 * (nginx sets them, but the gateway is reachable directly in the cluster), so a forged ingress name
 * gets nothing but the caller's own instance woken: others get 403 and learn nothing.
 */
final class WakePage {
  static final String X_CODE = "X-Code";
  static final String X_NAMESPACE = "X-Namespace";
  static final String X_INGRESS_NAME = "X-Ingress-Name";
  /** Seconds between reloads of the starting page. */
  static final int RELOAD_SECONDS = 2;
  /** Seconds before a page that said the app is busy tries again. */
  static final int BUSY_RETRY_SECONDS = 5;
  private static final String STYLE = "body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:36rem;padding:0 1rem;color:#222}"
      + "p.detail{color:#555}";
  // the page is served on the instance's host, where /style.css would be the app's (or this page):
  // its one style block is allowed by hash, and nothing else is loaded or run
  private static final String CSP = "default-src 'none'; style-src '" + sha256(STYLE) + "'; frame-ancestors 'none'; "
      + "base-uri 'none'; form-action 'none'";

  private final AuthDecider decider;
  private final Function<HttpServerRequest, Optional<Session>> caller;
  private final GatewaySettings settings;
  private final RedirectValidator redirects;

  /**
   * @param caller the verified session of a request, as /auth reads it
   * @param settings the gateway's public URL for sign-in, or null (then an anonymous caller gets 401)
   */
  WakePage(AuthDecider decider, Function<HttpServerRequest, Optional<Session>> caller, GatewaySettings settings) {
    this.decider = decider;
    this.caller = caller;
    this.settings = settings;
    this.redirects = settings == null ? null : new RedirectValidator(settings.publicUrl(), settings.instanceDomain());
  }

  /**
   * Whether nginx handed this request to its default backend: X-Code with the Ingress's namespace
   * and name. An auth subrequest (which carries X-Original-URL) that copied such headers from the
   * client is not one.
   */
  static boolean isDefaultBackendRequest(HttpServerRequest request) {
    var headers = request.headers();
    return headers.contains(X_CODE) && headers.contains(X_NAMESPACE) && headers.contains(X_INGRESS_NAME)
        && !("/auth".equals(request.path()) && headers.contains("X-Original-URL"));
  }

  void handle(HttpServerRequest request) {
    boolean json = wantsJson(request);
    Optional<Session> session = caller.apply(request);
    if (session.isEmpty()) {
      signIn(request, json);
      return;
    }
    Optional<InstanceDirectory.Entry> entry = decider.directory()
        .byIngress(request.getHeader(X_NAMESPACE), request.getHeader(X_INGRESS_NAME))
        .filter(e -> e.reachable() && e.owner().equals(session.get().user()));
    if (entry.isEmpty()) {
      // unknown ingress, another user's instance, or one that is not meant to run: all look the same
      answer(request, 403, json, new JsonObject().put("error", "forbidden"), "Forbidden",
          "<h1>Forbidden</h1><p>You cannot open this page.</p>", null);
      return;
    }
    InstanceDirectory.Entry instance = entry.get();
    if (instance.running()) {
      // the app itself answered 503 (custom-http-errors intercepts those too): nothing to wake
      request.response().putHeader("Retry-After", Integer.toString(BUSY_RETRY_SECONDS));
      answer(request, 503, json, new JsonObject().put("status", "busy").put("instance", instance.name()),
          "Busy", "<h1>The app is busy</h1><p>" + escape(instance.name()) + " could not answer just now. Try again in a moment.</p>",
          BUSY_RETRY_SECONDS);
      return;
    }
    boolean elsewhere = GatewayServer.startedElsewhere(request);
    if (elsewhere && instance.suspended() && !decider.directory().wakeAsked(instance)) {
      // another page's link or redirect is not the owner's use: it must not spend her GPU, her click does
      // (the dashboard's Open asks for the wake through the API first, and gets the starting page)
      String path = ownPath(request);
      answer(request, 503, json, new JsonObject().put("status", "suspended").put("instance", instance.name()).put("wake", path),
          "Suspended " + instance.name(),
          "<h1>Your instance " + escape(instance.name()) + " is suspended</h1>"
              + "<p class=\"detail\">It was stopped after a while without use; its disk is kept.</p>"
              + "<p><a href=\"" + escape(path) + "\">Wake it and open it</a></p>",
          null);
      return;
    }
    // a touch is what wakes a suspended instance (the activity publisher writes it at once)
    if (!elsewhere) decider.directory().touch(instance, decider.clock().instant());
    String phase = instance.phase() == null ? "Pending" : instance.phase().name();
    String message = decider.directory().readyMessage(instance);
    request.response().putHeader("Retry-After", Integer.toString(RELOAD_SECONDS));
    answer(request, 503, json, new JsonObject().put("status", "starting").put("instance", instance.name())
            .put("phase", phase).put("message", message).put("retryAfter", RELOAD_SECONDS),
        "Starting " + instance.name(),
        "<h1>Starting your instance " + escape(instance.name()) + "…</h1>"
            + "<p>Status: <strong id=\"phase\">" + escape(phase) + "</strong></p>"
            + (message == null ? "" : "<p class=\"detail\" id=\"message\">" + escape(message) + "</p>")
            + "<p class=\"detail\">This page reloads by itself and opens the app when it is ready.</p>",
        RELOAD_SECONDS);
  }

  /** No session: to sign-in, and back to the URL asked for (only if it is one of ours). */
  private void signIn(HttpServerRequest request, boolean json) {
    if (redirects == null) {
      answer(request, 401, json, new JsonObject().put("error", "unauthenticated"), "Sign in", "<h1>Please sign in</h1>", null);
      return;
    }
    String signIn = settings.publicUrl().replaceAll("/+$", "") + "/sign-in?rd="
        + URLEncoder.encode(redirects.target(originalUrl(request)), StandardCharsets.UTF_8);
    if (json) {
      request.response().putHeader("Location", signIn);
      answer(request, 401, true, new JsonObject().put("error", "unauthenticated").put("signIn", signIn), null, null, null);
      return;
    }
    request.response().setStatusCode(302).putHeader("Location", signIn).putHeader("Cache-Control", "no-store").end();
  }

  /**
   * The URL the browser asked for: the instance's Host (nginx passes {@code $best_http_host}) and the
   * request's path, or nginx's X-Original-URI when it sent one (its error locations rewrite the path).
   * Only ever a redirect target, which RedirectValidator keeps to our own hosts.
   */
  private String originalUrl(HttpServerRequest request) {
    String proto = request.getHeader("X-Forwarded-Proto");
    String scheme = "http".equals(proto) || "https".equals(proto) ? proto : URI.create(settings.publicUrl()).getScheme();
    String host = request.getHeader("Host");
    String uri = request.getHeader("X-Original-URI");
    if (uri == null || !uri.startsWith("/")) uri = request.uri();
    return host == null ? null : scheme + "://" + host + uri;
  }

  /** The path asked for on the instance's host, for a link back to it: a plain absolute path or else "/". */
  private static String ownPath(HttpServerRequest request) {
    String uri = request.getHeader("X-Original-URI");
    if (uri == null) uri = request.uri();
    if (uri == null || !uri.startsWith("/") || uri.startsWith("//")) return "/";
    // "/\\host" would leave the instance's host, and so would "/<tab>/host" (browsers drop tabs and newlines)
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= ' ' || c == 0x7f || c == '\\') return "/";
    }
    return uri;
  }

  private static boolean wantsJson(HttpServerRequest request) {
    String format = request.getHeader("X-Format");
    if (format == null) format = request.getHeader("Accept");
    return format != null && format.toLowerCase(Locale.ROOT).contains("application/json")
        && !format.toLowerCase(Locale.ROOT).contains("text/html");
  }

  private static void answer(HttpServerRequest request, int status, boolean json, JsonObject body, String title, String html,
      Integer reloadSeconds) {
    HttpServerResponse response = request.response().setStatusCode(status)
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    if (json) {
      response.putHeader("Content-Type", "application/json").end(body.encode());
      return;
    }
    response.putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Content-Security-Policy", CSP)
        .end("""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            %s<title>%s</title><style>%s</style></head>
            <body><main>
            %s
            </main></body>
            </html>
            """.formatted(reloadSeconds == null ? "" : "<meta http-equiv=\"refresh\" content=\"" + reloadSeconds + "\">",
            escape(title), STYLE, html));
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static String sha256(String text) {
    try {
      return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
