package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.gateway.AuthDecider;
import dev.aigc.operator.gateway.GatewayServer;
import dev.aigc.operator.gateway.GatewayVertx;
import dev.aigc.operator.gateway.InstanceDirectory;
import dev.aigc.operator.gateway.SessionCodec;
import dev.aigc.operator.observe.Telemetry;
import dev.aigc.operator.sandbox.MockCluster;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The gateway's /auth alone, deciding from an informer on the cluster's instances, with a fresh session key and its own metrics. */
final class AuthGateway implements AutoCloseable {
  final SessionCodec sessions;
  final int port;
  private final Vertx vertx = GatewayVertx.create(); // as the gateway runs it
  private final GatewayServer server;
  private final SharedIndexInformer<AigcInstance> informer;

  final Telemetry telemetry = Telemetry.inMemory();

  AuthGateway(MockCluster cluster) throws Exception {
    this(cluster, GatewayServer.ProxyMode.NGINX);
  }

  AuthGateway(MockCluster cluster, GatewayServer.ProxyMode mode) throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    sessions = new SessionCodec(List.of(key), Duration.ofHours(8), Clock.systemUTC());
    InstanceDirectory directory = new InstanceDirectory();
    informer = cluster.newClient(b -> { }).resources(AigcInstance.class).inAnyNamespace().inform(directory.handler());
    server = new GatewayServer(vertx, sessions, new AuthDecider(directory, Clock.systemUTC()), mode, telemetry);
    port = server.start("127.0.0.1", 0);
  }

  /** A session cookie header value for {@code user}. */
  String cookie(String user) {
    return GatewayServer.SESSION_COOKIE + "=" + sessions.seal(user, user + "@example.com", false);
  }

  @Override
  public void close() throws Exception {
    server.close();
    informer.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }
}
