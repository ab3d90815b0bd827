package dev.aigc.operator.sandbox;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.LenientSerialization;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;

/**
 * For the sandbox and the tests only; {@code run} never loads this package.
 *
 * <p>An embedded Kubernetes API (fabric8's mock server in CRUD mode, with one-shot expectations on top
 * for injected failures, answering as {@link KubeApiDispatcher} describes) holding our CRDs, with the
 * OKG simulator running against it.
 */
public class MockCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  /** Shared by all clients of this cluster, so that each unreadable field is logged once, as in one process. */
  private final LenientSerialization serialization = new LenientSerialization();
  private final KubernetesClient client;
  private final OkgSimulator okg;
  private final KnativeSimulator knative;
  private final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
  private final KubeApiDispatcher dispatcher = new KubeApiDispatcher(responses);

  private MockCluster(boolean withKnative) {
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        dispatcher, false);
    server.init();
    client = newClient(b -> { });
    applyCrds();
    okg = new OkgSimulator(newClient(b -> { })).start();
    if (withKnative) {
      client.apiextensions().v1().customResourceDefinitions().resource(KnativeSimulator.crd()).create();
      knative = new KnativeSimulator(newClient(b -> { })).start();
    } else {
      knative = null;
    }
  }

  /** A cluster with OpenKruiseGame but no Knative Serving. */
  public static MockCluster start() {
    return new MockCluster(false);
  }

  /** A cluster with OpenKruiseGame and Knative Serving. */
  public static MockCluster startWithKnative() {
    return new MockCluster(true);
  }

  public KnativeSimulator knative() {
    return knative;
  }

  /** The admin's client: what kubectl would do. */
  public KubernetesClient client() {
    return client;
  }

  /**
   * A separate client, e.g. for the operator, so that its requests can be counted apart. It reads
   * objects as {@code run}'s client does ({@link LenientSerialization}).
   */
  public KubernetesClient newClient(Consumer<KubernetesClientBuilder> customizer) {
    return server.createClient(b -> {
      b.withKubernetesSerialization(serialization);
      customizer.accept(b);
    });
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** The API itself, for serving it on another address ({@link ApiFront}). */
  public KubeApiDispatcher dispatcher() {
    return dispatcher;
  }

  /**
   * Answers JOSDK's check that it may use Leases (a SelfSubjectRulesReview, which the CRUD mock
   * cannot store) as an API server would for the operator's ServiceAccount.
   */
  public void allowLeases() {
    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
        .withNewStatus().withIncomplete(false)
        .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
        .withVerbs("create", "update", "get").endResourceRule()
        .endStatus().build();
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReturn(201, review).always();
  }

  /** Injected responses (server().expect()...) not yet served. */
  public int unservedExpectations() {
    synchronized (responses) {
      return responses.values().stream().mapToInt(Queue::size).sum();
    }
  }

  public OkgSimulator okg() {
    return okg;
  }

  /** Our CRDs, from the classpath (the committed copies, which CrdDriftTest keeps equal to the model). */
  private void applyCrds() {
    for (Class<? extends HasMetadata> kind : List.of(AigcTemplate.class, AigcInstance.class, dev.aigc.operator.api.AigcQuota.class)) {
      String resource = "/crds/" + HasMetadata.getFullResourceName(kind) + "-v1.yml";
      try (InputStream in = MockCluster.class.getResourceAsStream(resource)) {
        if (in == null) throw new IllegalStateException(resource + " is not on the classpath");
        client.apiextensions().v1().customResourceDefinitions()
            .resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).create();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void close() throws Exception {
    okg.close();
    if (knative != null) knative.close();
    client.close();
    server.destroy();
  }
}
