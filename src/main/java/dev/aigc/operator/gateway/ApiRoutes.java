package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.render.UpgradeStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.http.Cookie;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The self-service REST API under /api/v1. A caller is a session cookie or a bearer token; users see
 * and act on their own instances (another's answers 404), admins on everyone's: their list is their
 * own, and everyone's only when they ask for it ({@code ?all=true}). Mutating calls made
 * with a cookie must come from the gateway's own origin (CSRF).
 *
 * <p>Calls to the Kubernetes API run on Vert.x's worker pool, unordered: one user's slow call takes
 * one worker, never the turn of everyone else's (ordered blocking handlers run one at a time).
 */
final class ApiRoutes {
  private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
  private final GatewaySettings settings;
  private final SessionCodec codec;
  private final OidcProvider provider;
  private final Catalog catalog;
  /** Installs under way in this gateway, by user, namespace and template. */
  private final Map<String, Object> installing = new java.util.concurrent.ConcurrentHashMap<>();

  /** Who is calling, and how: a cookie needs the CSRF check, a bearer token does not. */
  record Caller(String user, String email, boolean admin, boolean viaCookie) {}

  ApiRoutes(GatewaySettings settings, SessionCodec codec, OidcProvider provider, Catalog catalog) {
    this.settings = settings;
    this.codec = codec;
    this.provider = provider;
    this.catalog = catalog;
  }

  void mount(Router router) {
    // who calls first (an anonymous body is never read), then the body: JSON only, in memory, bounded
    // (Vert.x would write a multipart body's files to ./file-uploads and keep them)
    router.route("/api/v1/*").handler(this::authenticate);
    router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(16 * 1024));
    router.get("/api/v1/me").handler(this::me);
    router.get("/api/v1/templates").handler(this::listTemplates);
    router.get("/api/v1/instances").handler(this::listInstances);
    router.post("/api/v1/instances").blockingHandler(this::install, false);
    router.post("/api/v1/instances/:namespace/:name/wake").handler(this::wake);
    router.post("/api/v1/instances/:namespace/:name/:action").blockingHandler(this::act, false);
    router.delete("/api/v1/instances/:namespace/:name").blockingHandler(this::delete, false);
  }

  private void authenticate(RoutingContext ctx) {
    Optional<Caller> caller = bearer(ctx).or(() -> cookie(ctx));
    if (caller.isEmpty()) {
      SignInRoutes.fail(ctx, 401, "unauthenticated", "Sign in first.");
      return;
    }
    boolean mutating = !ctx.request().method().name().equals("GET");
    if (mutating && caller.get().viaCookie() && !settings.origin().equals(ctx.request().getHeader("Origin"))) {
      SignInRoutes.fail(ctx, 403, "cross_origin", "Requests that change something must come from " + settings.origin() + ".");
      return;
    }
    ctx.put("caller", caller.get());
    ctx.next();
  }

  private Optional<Caller> bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
    return provider.verify(header.substring(7).strip()).map(provider::identity)
        .filter(id -> id.user() != null)
        .map(id -> new Caller(id.user(), id.email(), id.admin(), false));
  }

  private Optional<Caller> cookie(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(Cookies.SESSION);
    return codec.open(cookie == null ? null : cookie.getValue())
        .map(s -> new Caller(s.user(), s.email(), s.admin(), true));
  }

  private void me(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    // a missing email is JSON null, not the string "null"
    Map<String, Object> me = new java.util.LinkedHashMap<>();
    me.put("user", caller.user());
    me.put("email", caller.email());
    me.put("admin", caller.admin());
    json(ctx, 200, me);
  }

  private void listTemplates(RoutingContext ctx) {
    // a template being deleted is no longer offered
    json(ctx, 200, Map.of("items", catalog.templates().stream().filter(t -> t.getMetadata().getDeletionTimestamp() == null)
        .map(ApiRoutes::templateView).toList()));
  }

  /** Filters of the admins' view of all users' instances, each an exact match on the field of that name in the view. */
  static final List<String> FILTERS = List.of("owner", "template", "namespace", "phase");

  /**
   * The caller's own instances, admins' too; with {@code all=true}, an admin's view of every user's
   * instances, narrowed by {@link #FILTERS}. Others asking for all are refused, never shown theirs
   * as if they were everyone's.
   */
  private void listInstances(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    if (!"true".equalsIgnoreCase(ctx.request().getParam("all"))) {
      json(ctx, 200, Map.of("items", catalog.instances().stream()
          .filter(i -> caller.user().equals(i.getSpec().getOwner())).map(ApiRoutes::instanceView).toList()));
      return;
    }
    if (!caller.admin()) {
      SignInRoutes.fail(ctx, 403, "forbidden", "Only admins see other users' instances.");
      return;
    }
    Map<String, String> filters = new LinkedHashMap<>();
    for (String filter : FILTERS) {
      String value = ctx.request().getParam(filter);
      if (value != null && !value.isBlank()) filters.put(filter, value.strip());
    }
    json(ctx, 200, Map.of("items", catalog.instances().stream().map(ApiRoutes::instanceView)
        .filter(view -> filters.entrySet().stream().allMatch(f -> f.getValue().equals(view.get(f.getKey()))))
        .toList()));
  }

  private void install(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null; // not JSON, or not an object
    }
    for (String field : List.of("template", "namespace", "name")) {
      Object value = body == null ? null : body.getValue(field);
      if (value != null && !(value instanceof String)) {
        SignInRoutes.fail(ctx, 400, "bad_request", "\"" + field + "\" must be a string.");
        return;
      }
    }
    if (body == null || body.getString("template") == null) {
      SignInRoutes.fail(ctx, 400, "bad_request", "Send {\"template\": \"<name>\"} and optionally \"namespace\" and \"name\".");
      return;
    }
    String templateName = body.getString("template");
    String namespace = body.getString("namespace");
    String requestedName = body.getString("name");
    List<AigcTemplate> matches = catalog.templates().stream()
        .filter(t -> t.getMetadata().getName().equals(templateName)
            && (namespace == null || namespace.equals(t.getMetadata().getNamespace())))
        .toList();
    if (matches.size() != 1) {
      SignInRoutes.fail(ctx, matches.isEmpty() ? 404 : 400, matches.isEmpty() ? "not_found" : "ambiguous",
          matches.isEmpty() ? "No template " + templateName + "." : "Several namespaces have " + templateName + "; name the namespace.");
      return;
    }
    AigcTemplate template = matches.get(0);
    if (template.getSpec().getDedicated() == null) {
      SignInRoutes.fail(ctx, 400, "no_dedicated_mode", "Template " + templateName + " offers only a shared endpoint.");
      return;
    }
    // its deletion would take the new instance with it (deletionPolicy Cascade) or leave it waiting (Block)
    if (template.getMetadata().getDeletionTimestamp() != null) {
      SignInRoutes.fail(ctx, 409, "template_deleting", "Template " + templateName + " is being deleted; it takes no new instances.");
      return;
    }
    String name = requestedName != null ? requestedName : defaultName(caller.user(), templateName);
    String templateNamespace = template.getMetadata().getNamespace();
    // the owner is always the caller, whatever the body says
    AigcInstance instance = AigcInstance.install(templateNamespace, name, templateName, caller.user());
    // One instance per user and template, whatever its name: checked against the API server, not the
    // cache (which lags a create just made), and one check-and-create at a time per user and template
    // in this gateway; a second one meanwhile is refused, not queued (a second gateway replica could
    // still race it by milliseconds).
    String key = caller.user() + "\n" + templateNamespace + "\n" + templateName;
    Object mine = new Object();
    if (installing.putIfAbsent(key, mine) != null) {
      SignInRoutes.fail(ctx, 409, "conflict", "Your install of " + templateName + " is already under way.");
      return;
    }
    try {
      Optional<AigcInstance> existing = catalog.instancesOf(caller.user(), templateNamespace, templateName).stream().findFirst();
      if (existing.isPresent()) {
        String held = existing.get().getMetadata().getName();
        SignInRoutes.fail(ctx, 409, "conflict", existing.get().getMetadata().getDeletionTimestamp() != null
            ? "Your instance " + held + " of " + templateName + " is being deleted; install again when it is gone."
            : "You already have an instance of " + templateName + ": " + held + ". One per user and template.");
        return;
      }
      String full = QuotaPrecheck.refusal(template, catalog.instances(), caller.user(), null);
      if (full != null) {
        SignInRoutes.fail(ctx, 409, "quota_exceeded", full);
        return;
      }
      AigcInstance created = catalog.create(instance);
      log.info("{} installed {}/{}", caller.user(), created.getMetadata().getNamespace(), name);
      json(ctx, 201, instanceView(created));
    } catch (KubernetesClientException e) {
      apiError(ctx, e);
    } finally {
      installing.remove(key, mine);
    }
  }

  private void act(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    Optional<AigcInstance> instance = visible(ctx, caller);
    if (instance.isEmpty()) return;
    String action = ctx.pathParam("action");
    String namespace = instance.get().getMetadata().getNamespace();
    String name = instance.get().getMetadata().getName();
    if ("start".equals(action)) {
      AigcTemplate template = catalog.template(namespace, instance.get().getSpec().getTemplate()).orElse(null);
      String full = template == null ? null
          : QuotaPrecheck.refusal(template, catalog.instances(), instance.get().getSpec().getOwner(), instance.get());
      if (full != null) {
        SignInRoutes.fail(ctx, 409, "quota_exceeded", full);
        return;
      }
    }
    try {
      // merge patches name only the field they set: a spec without `state` (as kubectl users write
      // it) gets one, where a JSON Patch "replace" of the defaulted field would be refused
      AigcInstance updated = switch (action) {
        case "stop" -> catalog.patch(namespace, name, Map.of("spec", Map.of("state", InstanceState.Stopped.name())));
        case "start" -> catalog.patch(namespace, name, Map.of("spec", Map.of("state", InstanceState.Running.name())));
        case "restart" -> catalog.patch(namespace, name,
            Map.of("metadata", Map.of("annotations", Map.of(AigcInstance.RESTART_ANNOTATION, Instant.now().toString()))));
        default -> null;
      };
      if (updated == null) {
        SignInRoutes.fail(ctx, 404, "not_found", "No action " + action + "; use stop, start or restart.");
        return;
      }
      log.info("{} asked to {} {}/{}", caller.user(), action, namespace, name);
      json(ctx, 202, instanceView(updated));
    } catch (KubernetesClientException e) {
      apiError(ctx, e);
    }
  }

  /**
   * The owner's "Open" of a suspended instance, ahead of opening its URL: records activity, which
   * the activity publisher writes at once for a suspended instance, and that write wakes it. Only
   * the owner (an admin waking someone's instance would spend their GPU on nobody's use); a touch of
   * an instance that is not suspended is harmless, so any reachable instance answers 202.
   */
  private void wake(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    Optional<AigcInstance> instance = catalog.instance(ctx.pathParam("namespace"), ctx.pathParam("name"))
        .filter(i -> caller.user().equals(i.getSpec().getOwner()));
    if (instance.isEmpty()) {
      SignInRoutes.fail(ctx, 404, "not_found", "No such instance.");
      return;
    }
    AigcInstance i = instance.get();
    var status = i.getStatus();
    InstanceDirectory.Entry entry = new InstanceDirectory.Entry(i.getMetadata().getNamespace(), i.getMetadata().getName(),
        i.getSpec().getOwner(), status == null ? null : status.getPhase(), status == null ? null : status.getLastActivity(),
        status == null ? null : status.getSuspendedAt());
    if (i.getMetadata().getDeletionTimestamp() != null || !entry.reachable()) {
      SignInRoutes.fail(ctx, 409, "not_running", "Instance " + entry.name() + " is " + (entry.phase() == null ? "Pending" : entry.phase())
          + "; start it instead.");
      return;
    }
    Instant now = Instant.now();
    Instant suspendedAt = entry.suspended() ? dev.aigc.operator.render.IdleSuspension.parse(entry.suspendedAt()) : null;
    // asked for after the user saw it suspended: after the suspension even if this clock is behind the operator's
    if (suspendedAt != null && !now.isAfter(suspendedAt)) now = suspendedAt.plusSeconds(1);
    catalog.directory().touch(entry, now);
    log.info("{} asked to wake {}/{}", caller.user(), entry.namespace(), entry.name());
    json(ctx, 202, instanceView(i));
  }

  private void delete(RoutingContext ctx) {
    Caller caller = ctx.get("caller");
    Optional<AigcInstance> instance = visible(ctx, caller);
    if (instance.isEmpty()) return;
    String namespace = instance.get().getMetadata().getNamespace();
    String name = instance.get().getMetadata().getName();
    String choice = ctx.request().getParam("deleteData");
    boolean deleteData = "true".equalsIgnoreCase(choice);
    try {
      // An explicit choice goes into the spec first, so that the operator acts on it when it cleans
      // up; without one, the instance's or its template's dataRetention decides.
      if (choice != null) {
        catalog.patch(namespace, name, Map.of("spec", Map.of("dataRetention", (deleteData ? DataRetention.Delete : DataRetention.Retain).name())));
      }
      catalog.delete(namespace, name);
      log.info("{} deleted {}/{}{}", caller.user(), namespace, name, deleteData ? " with its data" : "");
      ctx.response().setStatusCode(204).end();
    } catch (KubernetesClientException e) {
      apiError(ctx, e);
    }
  }

  /** The instance named in the path if the caller may see it; otherwise answers 404 and returns empty. */
  private Optional<AigcInstance> visible(RoutingContext ctx, Caller caller) {
    Optional<AigcInstance> instance = catalog.instance(ctx.pathParam("namespace"), ctx.pathParam("name"))
        .filter(i -> caller.admin() || caller.user().equals(i.getSpec().getOwner()));
    if (instance.isEmpty()) SignInRoutes.fail(ctx, 404, "not_found", "No such instance.");
    return instance;
  }

  static String defaultName(String user, String template) {
    String base = (user + "-" + template).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    return base.length() > 63 ? base.substring(0, 63).replaceAll("-+$", "") : base;
  }

  static Map<String, Object> templateView(AigcTemplate t) {
    var spec = t.getSpec();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("namespace", t.getMetadata().getNamespace());
    view.put("name", t.getMetadata().getName());
    view.put("displayName", spec.getDisplayName() == null ? t.getMetadata().getName() : spec.getDisplayName());
    view.put("description", spec.getDescription());
    view.put("dedicated", spec.getDedicated() != null);
    view.put("shared", spec.getShared() != null);
    Map<String, Object> compute = new LinkedHashMap<>();
    if (spec.getCompute() != null) {
      var c = spec.getCompute();
      if (c.getCpu() != null) compute.put("cpu", c.getCpu());
      if (c.getMemory() != null) compute.put("memory", c.getMemory());
      if (c.getGpu() != null) compute.put("gpu", c.getGpu());
      if (c.getGpuMemory() != null) compute.put("gpuMemoryGiB", c.getGpuMemory());
      if (c.getEci() != null && c.getEci().isEnabled()) compute.put("eci", true);
    }
    view.put("compute", compute);
    view.put("sharedUrl", t.getStatus() == null ? null : t.getStatus().getSharedUrl());
    view.put("ready", t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));
    return view;
  }

  static Map<String, Object> instanceView(AigcInstance i) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("namespace", i.getMetadata().getNamespace());
    view.put("name", i.getMetadata().getName());
    view.put("template", i.getSpec().getTemplate());
    view.put("owner", i.getSpec().getOwner());
    view.put("state", i.getSpec().getState() == null ? "Running" : i.getSpec().getState().name());
    var status = i.getStatus();
    view.put("phase", status == null || status.getPhase() == null ? "Pending" : status.getPhase().name());
    view.put("url", status == null ? null : status.getUrl());
    var ready = status == null ? null : Conditions.find(status.getConditions(), Conditions.READY);
    view.put("message", ready == null ? null : ready.getMessage());
    // the dashboard's "Suspended, last used ..." (all RFC 3339 or null) and the idle limit that applies
    view.put("lastActivity", status == null ? null : status.getLastActivity());
    view.put("suspendedAt", status == null ? null : status.getSuspendedAt());
    view.put("suspendAfter", status == null ? null : status.getSuspendAfter());
    // a newer version of the app waits: the dashboard offers "restart to update"
    var update = status == null ? null : Conditions.find(status.getConditions(), UpgradeStatus.UPDATE_AVAILABLE);
    view.put("update", update == null || !Conditions.TRUE.equals(update.getStatus()) ? null
        : Map.of("reason", update.getReason(), "message", update.getMessage()));
    return view;
  }

  private static void apiError(RoutingContext ctx, KubernetesClientException e) {
    int code = e.getCode() == 409 || e.getCode() == 404 ? e.getCode() : e.getCode() == 422 || e.getCode() == 400 ? 400 : 502;
    String error = code == 409 ? "conflict" : code == 404 ? "not_found" : code == 400 ? "invalid" : "cluster_error";
    String message = code == 409 ? "An instance of that name exists already; give another name."
        : code == 404 ? "No such instance."
        : e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : "The cluster refused the request.";
    if (code == 502) log.warn("Kubernetes API call failed: {} {}", e.getCode(), e.getMessage());
    SignInRoutes.fail(ctx, code, error, message);
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(Json.encode(body));
  }
}
