package dev.aigc.operator.sandbox;

import io.fabric8.knative.pkg.apis.Condition;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.ServiceStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A test-scope stand-in for Knative Serving: each Service that Knative has not yet seen at its
 * current generation gets a status with a URL, a revision named after the generation, and a Ready
 * condition, True unless a test told it to fail that Service.
 */
public class KnativeSimulator implements AutoCloseable {
  private final KubernetesClient client;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "knative-simulator"));
  private final Map<String, String[]> failures = new ConcurrentHashMap<>();
  private SharedIndexInformer<Service> informer;

  public KnativeSimulator(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Our own minimal definition of services.serving.knative.dev, enough for discovery and storage,
   * with Knative's names and printer columns (kubectl get ksvc).
   */
  static CustomResourceDefinition crd() {
    return new CustomResourceDefinitionBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("services.serving.knative.dev").build())
        .withNewSpec()
        .withGroup("serving.knative.dev")
        .withScope("Namespaced")
        .withNewNames().withKind("Service").withPlural("services").withSingular("service").withListKind("ServiceList")
        .withShortNames("kservice", "ksvc").withCategories("all", "knative", "serving").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true)
        .addNewAdditionalPrinterColumn().withName("URL").withType("string").withJsonPath(".status.url").endAdditionalPrinterColumn()
        .addNewAdditionalPrinterColumn().withName("LatestCreated").withType("string")
        .withJsonPath(".status.latestCreatedRevisionName").endAdditionalPrinterColumn()
        .addNewAdditionalPrinterColumn().withName("LatestReady").withType("string")
        .withJsonPath(".status.latestReadyRevisionName").endAdditionalPrinterColumn()
        .addNewAdditionalPrinterColumn().withName("Ready").withType("string")
        .withJsonPath(".status.conditions[?(@.type=='Ready')].status").endAdditionalPrinterColumn()
        .addNewAdditionalPrinterColumn().withName("Reason").withType("string")
        .withJsonPath(".status.conditions[?(@.type=='Ready')].reason").endAdditionalPrinterColumn()
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema().endSchema()
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .endVersion()
        .endSpec()
        .build();
  }

  public KnativeSimulator start() {
    informer = client.resources(Service.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override public void onAdd(Service s) { worker.submit(() -> report(s)); }
      @Override public void onUpdate(Service old, Service s) { worker.submit(() -> report(s)); }
      @Override public void onDelete(Service s, boolean unknown) { }
    });
    return this;
  }

  /** From now on, the named Service is reported not Ready, with this reason and message. */
  public void failWith(String namespace, String name, String reason, String message) {
    failures.put(namespace + "/" + name, new String[] {reason, message});
    Service current = client.resources(Service.class).inNamespace(namespace).withName(name).get();
    if (current != null) worker.submit(() -> report(current, true));
  }

  private void report(Service service) {
    report(service, false);
  }

  private void report(Service service, boolean force) {
    Long generation = service.getMetadata().getGeneration();
    if (!force && service.getStatus() != null && Objects.equals(service.getStatus().getObservedGeneration(), generation)) return;
    String name = service.getMetadata().getName();
    String namespace = service.getMetadata().getNamespace();
    String[] failure = failures.get(namespace + "/" + name);
    Condition ready = new Condition();
    ready.setType("Ready");
    ready.setStatus(failure == null ? "True" : "False");
    if (failure != null) {
      ready.setReason(failure[0]);
      ready.setMessage(failure[1]);
    }
    ServiceStatus status = new ServiceStatus();
    status.setObservedGeneration(generation);
    status.setUrl("http://" + name + "." + namespace + ".example.com");
    status.setConditions(List.of(ready));
    String revision = String.format("%s-%05d", name, generation == null ? 1 : generation);
    status.setLatestCreatedRevisionName(revision);
    if (failure == null) status.setLatestReadyRevisionName(revision);
    // editStatus sends the difference as a JSON Patch
    client.resources(Service.class).inNamespace(namespace).withName(name).editStatus(s -> {
      s.setStatus(status);
      return s;
    });
  }

  @Override
  public void close() throws InterruptedException {
    if (informer != null) informer.close();
    worker.shutdownNow();
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
