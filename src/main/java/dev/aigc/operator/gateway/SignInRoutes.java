package dev.aigc.operator.gateway;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.aigc.operator.gateway.SessionCodec.SignInFlow;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OIDC authorization code flow with PKCE, state and nonce; sign-out.
 *
 * <p>Sign-out is a POST from the gateway's own origin (checked as the REST API checks writes made
 * with a cookie); it revokes the session on every replica ({@link SessionRevocations}) and clears the
 * cookie. A GET only shows a page asking to confirm, so a link or an image cannot sign anyone out.
 */
final class SignInRoutes {
  private static final Logger log = LoggerFactory.getLogger(SignInRoutes.class);
  private final GatewaySettings settings;
  private final SessionCodec codec;
  private final OidcProvider provider;
  private final RedirectValidator redirects;
  private final Cookies cookies;

  SignInRoutes(GatewaySettings settings, SessionCodec codec, OidcProvider provider) {
    this.settings = settings;
    this.codec = codec;
    this.provider = provider;
    this.redirects = new RedirectValidator(settings.publicUrl(), settings.instanceDomain());
    this.cookies = new Cookies(settings);
  }

  void mount(Router router) {
    router.get("/sign-in").handler(this::signIn);
    // unordered: a slow identity provider for one sign-in must not queue everyone else's
    router.get("/callback").blockingHandler(this::callback, false);
    router.get("/sign-out").handler(this::confirmSignOut);
    router.post("/sign-out").handler(this::sameOrigin);
    // unordered, as it writes to the cluster: one slow write must not queue everyone else's sign-out
    router.post("/sign-out").blockingHandler(this::signOut, false);
  }

  private void signIn(RoutingContext ctx) {
    String rd = redirects.target(ctx.request().getParam("rd"));
    SignInFlow flow = new SignInFlow(OidcProvider.randomToken(), OidcProvider.randomToken(), OidcProvider.randomToken(), rd);
    ctx.response().addCookie(cookies.flow(codec.sealFlow(flow)));
    redirect(ctx, provider.authorizationUrl(flow.state(), flow.nonce(), flow.verifier()));
  }

  private void callback(RoutingContext ctx) {
    Cookie flowCookie = ctx.request().getCookie(Cookies.FLOW);
    Optional<SignInFlow> flow = codec.openFlow(flowCookie == null ? null : flowCookie.getValue());
    String state = ctx.request().getParam("state");
    String code = ctx.request().getParam("code");
    if (flow.isEmpty() || state == null || !state.equals(flow.get().state())) {
      fail(ctx, 400, "invalid_state", "This sign-in expired or did not start here. Please sign in again.");
      return;
    }
    if (code == null) {
      fail(ctx, 400, "sign_in_refused", "The identity provider did not sign you in: " + ctx.request().getParam("error"));
      return;
    }
    try {
      JWTClaimsSet claims = provider.redeem(code, flow.get().verifier(), flow.get().nonce());
      OidcProvider.Identity identity = provider.identity(claims);
      if (identity.user() == null) {
        fail(ctx, 403, "no_identity", "The identity provider did not say who you are.");
        return;
      }
      ctx.response().addCookie(cookies.clearedFlow());
      ctx.response().addCookie(cookies.session(codec.seal(identity.user(), identity.email(), identity.admin()), codec.ttl()));
      log.info("signed in {}{}", identity.user(), identity.admin() ? " (admin)" : "");
      redirect(ctx, flow.get().redirect());
    } catch (Exception e) {
      log.warn("sign-in failed: {}", e.getMessage());
      fail(ctx, 502, "sign_in_failed", "Signing in with the identity provider failed. Please try again.");
    }
  }

  private void confirmSignOut(RoutingContext ctx) {
    page(ctx, 200, "Sign out", """
        <h1>Sign out?</h1>
        <p>This ends your session everywhere: in this browser, on every instance, and for any copy of its cookie.</p>
        <form method="post" action="/sign-out">
          <button class="button primary" type="submit" id="sign-out">Sign out</button>
          <a class="button" href="/">Cancel</a>
        </form>""");
  }

  /** A sign-out must come from the gateway's own pages, as every write made with a cookie must (ApiRoutes). */
  private void sameOrigin(RoutingContext ctx) {
    if (!settings.origin().equals(ctx.request().getHeader("Origin"))) {
      fail(ctx, 403, "cross_origin", "Sign out from " + settings.origin() + ".");
      return;
    }
    ctx.next();
  }

  private void signOut(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(Cookies.SESSION);
    Optional<Session> session = codec.open(cookie == null ? null : cookie.getValue());
    ctx.response().addCookie(cookies.clearedSession());
    if (session.isPresent()) {
      try {
        SessionRevocations.Outcome outcome = codec.revocations().revoke(session.get());
        log.info("signed out {} ({})", session.get().user(), outcome.name().toLowerCase(java.util.Locale.ROOT));
      } catch (RuntimeException e) {
        // this replica refuses the session from now on; the others do not know
        log.warn("signing out {}: the revoked-session list could not be written: {}", session.get().user(), e.getMessage());
        page(ctx, 503, "Sign-out incomplete", """
            <h1>Signed out of this browser only</h1>
            <p>Your session could not be ended on every gateway just now: a copy of its cookie, if someone has one,
            may keep working until the session expires. If you think it was copied, an administrator can end every
            session by rotating the session keys.</p>
            <p><a class="button" href="/">Back</a></p>""");
        return;
      }
    }
    String home = redirects.target("/");
    // 303: the browser follows with a GET
    redirect(ctx, 303, provider.endSessionUrl(home).orElse(home));
  }

  /** A small HTML page in the dashboard's style, which no other site may frame. */
  private static void page(RoutingContext ctx, int status, String title, String body) {
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "same-origin")
        .end("""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>%s</title><link rel="stylesheet" href="/style.css"></head>
            <body><main class="confirm">
            %s
            </main></body>
            </html>
            """.formatted(title, body));
  }

  private static void redirect(RoutingContext ctx, String location) {
    redirect(ctx, 302, location);
  }

  private static void redirect(RoutingContext ctx, int status, String location) {
    ctx.response().setStatusCode(status).putHeader("Location", location).putHeader("Cache-Control", "no-store").end();
  }

  static void fail(RoutingContext ctx, int status, String error, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(io.vertx.core.json.Json.encode(java.util.Map.of("error", error, "message", message)));
  }
}
