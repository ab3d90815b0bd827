package dev.aigc.operator.bench;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.sandbox.OkgSimulator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The sandbox's {@code MockCluster} (fabric8's mock API server in CRUD mode with our CRDs, and the
 * OKG simulator), set up the same way, except that every client gets its own named threads (see
 * {@link Threads}), and that the simulator is optional: the baseline stores what it would have made.
 */
final class BenchCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  private static final int PATIENT_MILLIS = 120_000;
  private final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
  private final List<Client> clients = new ArrayList<>();
  private final Client admin;
  private OkgSimulator okg;

  /** A client with its own Vert.x event loops and informer task executor, all charged to one owner. */
  record Client(KubernetesClient client, Vertx vertx, ExecutorService tasks) implements AutoCloseable {
    @Override
    public void close() {
      client.close();
      vertx.close().toCompletionStage().toCompletableFuture().join();
      tasks.shutdownNow();
    }
  }

  BenchCluster() {
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    admin = newClient(Threads.BENCH, "admin", b -> { });
    applyCrds();
  }

  /** Starts the OKG simulator on a client of its own; {@code prepare} may tell it what already exists. */
  OkgSimulator startSimulator(Consumer<OkgSimulator> prepare) {
    okg = new OkgSimulator(newClient(Threads.SIMULATOR, "okg", b -> { }).client());
    prepare.accept(okg);
    return okg.start();
  }

  KubernetesClient admin() {
    return admin.client();
  }

  OkgSimulator okg() {
    return okg;
  }

  KubernetesMockServer server() {
    return server;
  }

  Client newClient(String owner, String name, Consumer<KubernetesClientBuilder> customizer) {
    Vertx vertx = Threads.vertx(owner);
    ExecutorService tasks = Threads.cachedPool(owner, name + "-informer");
    KubernetesClient client = server.createClient(b -> {
      b.withHttpClientFactory(new VertxHttpClientFactory(vertx)).withTaskExecutor(tasks);
      // At 50,000 instances one write to the mock server can wait longer than fabric8's 10 s default
      // behind the others; the simulator (which does not retry a failed step) and the bench must
      // not fail for that. The operator keeps the default, as in production, and retries.
      if (!Threads.OPERATOR.equals(owner)) b.editOrNewConfig().withRequestTimeout(PATIENT_MILLIS).endConfig();
      customizer.accept(b);
    });
    Client c = new Client(client, vertx, tasks);
    synchronized (clients) {
      clients.add(c);
    }
    return c;
  }

  private void applyCrds() {
    for (Class<? extends HasMetadata> kind : List.of(AigcTemplate.class, AigcInstance.class)) {
      String resource = "/crds/" + HasMetadata.getFullResourceName(kind) + "-v1.yml";
      try (InputStream in = BenchCluster.class.getResourceAsStream(resource)) {
        if (in == null) throw new IllegalStateException(resource + " is not on the classpath");
        admin().apiextensions().v1().customResourceDefinitions()
            .resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).create();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void close() throws Exception {
    if (okg != null) okg.close();
    synchronized (clients) {
      for (Client c : clients) c.close();
    }
    server.destroy();
  }
}
