package dev.aigc.operator.gateway;

import dev.aigc.operator.observe.Telemetry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vertx.core.Vertx;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/** The whole gateway, assembled: caches, provider, sessions, the HTTP server and the activity publisher. */
public final class Gateway implements AutoCloseable {
  private final Vertx vertx;
  private final Catalog catalog;
  private final SessionRevocations revocations;
  private final OidcProvider provider;
  private final GatewayServer server;
  private final ActivityPublisher activity;
  private final int port;

  private Gateway(Vertx vertx, Catalog catalog, SessionRevocations revocations, OidcProvider provider, GatewayServer server,
      ActivityPublisher activity, int port) {
    this.vertx = vertx;
    this.activity = activity;
    this.catalog = catalog;
    this.revocations = revocations;
    this.provider = provider;
    this.server = server;
    this.port = port;
  }

  public static Gateway start(KubernetesClient client, GatewaySettings settings, OidcSettings oidc, List<byte[]> sessionKeys,
      Telemetry telemetry) throws Exception {
    return start(client, settings, oidc, sessionKeys, telemetry, Set.of());
  }

  /** @param namespaces the namespaces whose templates and instances the gateway serves; empty for all */
  public static Gateway start(KubernetesClient client, GatewaySettings settings, OidcSettings oidc, List<byte[]> sessionKeys,
      Telemetry telemetry, Set<String> namespaces) throws Exception {
    return start(client, settings, oidc, sessionKeys, telemetry, namespaces,
        new SessionRevocations.Location(java.util.Objects.requireNonNullElse(client.getNamespace(), "default"), SessionRevocations.DEFAULT_NAME));
  }

  /**
   * @param revokedSessions the ConfigMap that sign-outs are recorded in, shared by every replica
   *     (in the gateway's own namespace)
   */
  public static Gateway start(KubernetesClient client, GatewaySettings settings, OidcSettings oidc, List<byte[]> sessionKeys,
      Telemetry telemetry, Set<String> namespaces, SessionRevocations.Location revokedSessions) throws Exception {
    SessionRevocations revocations = SessionRevocations.watching(client, revokedSessions, SessionRevocations.DEFAULT_CAPACITY,
        settings.sessionTtl(), Clock.systemUTC(), telemetry);
    SessionCodec sessions = new SessionCodec(sessionKeys, settings.sessionTtl(), Clock.systemUTC(), revocations);
    telemetry.enableAuthMetrics();
    OidcProvider provider = OidcProvider.discover(oidc, HttpClient.newHttpClient());
    InstanceDirectory directory = new InstanceDirectory();
    Catalog catalog = new Catalog(client, directory, namespaces);
    Vertx vertx = GatewayVertx.create();
    GatewayServer server = new GatewayServer(vertx, settings, sessions, new AuthDecider(directory, Clock.systemUTC()),
        provider, catalog, telemetry);
    int port = server.start(settings.listenHost(), settings.listenPort());
    ActivityPublisher activity = new ActivityPublisher(client, directory, telemetry).start();
    return new Gateway(vertx, catalog, revocations, provider, server, activity, port);
  }

  public int port() {
    return port;
  }

  /** Ready once the template and instance caches and the revoked sessions have been read. */
  public boolean ready() {
    return catalog.synced() && revocations.synced();
  }

  @Override
  public void close() throws Exception {
    activity.close();
    server.close();
    catalog.close();
    revocations.close();
    provider.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }
}
