package dev.aigc.operator.gateway;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.aigc.operator.gateway.SessionCodec.SignInFlow;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** OIDC authorization code flow with PKCE, state and nonce; sign-out. */
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
    router.get("/sign-out").handler(this::signOut);
    router.post("/sign-out").handler(this::signOut);
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

  private void signOut(RoutingContext ctx) {
    ctx.response().addCookie(cookies.clearedSession());
    String home = redirects.target("/");
    redirect(ctx, provider.endSessionUrl(home).orElse(home));
  }

  private static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(302).putHeader("Location", location).putHeader("Cache-Control", "no-store").end();
  }

  static void fail(RoutingContext ctx, int status, String error, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(io.vertx.core.json.Json.encode(java.util.Map.of("error", error, "message", message)));
  }
}
