package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the mock store alone answered wrongly, or not at all, as a real API server answers it. */
class KubeApiDispatcherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MockCluster cluster;
  private static KubernetesClient client;
  private static String base;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    cluster = MockCluster.start();
    client = cluster.client();
    base = cluster.server().url("/").replaceAll("/$", "");
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void discoveryListsGroupsAndTheKindsOfEachVersion() throws Exception {
    JsonNode version = get("/version", null);
    assertThat(version.path("major").asText() + "." + version.path("minor").asText()).isEqualTo("1.32");
    assertThat(get("/api", null).path("versions").get(0).asText()).isEqualTo("v1");
    assertThat(get("/apis", null).path("groups").findValuesAsText("name"))
        .contains("aigc.dev", "game.kruise.io", "coordination.k8s.io", "apiextensions.k8s.io");

    JsonNode aigc = get("/apis/aigc.dev/v1alpha1", null);
    assertThat(aigc.path("kind").asText()).isEqualTo("APIResourceList");
    JsonNode instances = resource(aigc, "aigcinstances");
    assertThat(instances.path("kind").asText()).isEqualTo("AigcInstance");
    assertThat(instances.path("namespaced").asBoolean()).isTrue();
    assertThat(instances.path("shortNames").get(0).asText()).isEqualTo("aigci");
    assertThat(instances.path("verbs").toString()).contains("watch", "patch");
    assertThat(resource(aigc, "aigcinstances/status")).isNotNull();
    assertThat(resource(get("/apis/game.kruise.io/v1alpha1", null), "gameserversets").path("shortNames").get(0).asText())
        .isEqualTo("gss");
    assertThat(resource(get("/api/v1", null), "events").path("kind").asText()).isEqualTo("Event");
  }

  @Test
  void kubectlGetsATableWithTheCrdsPrinterColumns() throws Exception {
    client.resource(instance("table", "alice-sd")).create();
    JsonNode table = get("/apis/aigc.dev/v1alpha1/namespaces/table/aigcinstances", "application/json;as=Table;v=v1;g=meta.k8s.io");
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Owner", "Template", "Phase", "Update", "URL", "Age");
    JsonNode cells = table.path("rows").get(0).path("cells");
    assertThat(cells.get(0).asText()).isEqualTo("alice-sd");
    assertThat(cells.get(1).asText()).isEqualTo("alice");
    assertThat(cells.get(2).asText()).isEqualTo("stable-diffusion-cpu");
  }

  @Test
  void listsAreOfTheirKindSortedByNameAndFieldSelectorsSelect() throws Exception {
    for (String name : List.of("b", "a")) {
      client.v1().events().inNamespace("events").resource(new EventBuilder()
          .withMetadata(new ObjectMetaBuilder().withName("e-" + name).build())
          .withNewInvolvedObject().withKind("AigcInstance").withName(name).withNamespace("events").endInvolvedObject()
          .withReason("Running").build()).create();
    }
    JsonNode all = get("/api/v1/namespaces/events/events", null);
    assertThat(all.path("kind").asText()).isEqualTo("EventList");
    assertThat(all.path("items").findValuesAsText("name")).containsSubsequence("e-a", "e-b");

    JsonNode selected = get("/api/v1/namespaces/events/events?fieldSelector=involvedObject.name%3Da%2CinvolvedObject.kind%3DAigcInstance", null);
    assertThat(selected.path("items")).hasSize(1);
    assertThat(selected.path("items").get(0).path("metadata").path("name").asText()).isEqualTo("e-a");
  }

  /** The store's core /api/v1/.../services also listed Knative's serving.knative.dev/v1 services of the namespace. */
  @Test
  void aPathListsOnlyObjectsOfItsGroup() throws Exception {
    HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/apis/example.com/v1/namespaces/groups/configmaps"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"example.com/v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"other\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(get("/apis/example.com/v1/namespaces/groups/configmaps", null).path("items")).hasSize(1);
    assertThat(get("/api/v1/namespaces/groups/configmaps", null).path("items")).isEmpty();
    assertThat(client.configMaps().inNamespace("groups").withName("other").get()).isNull();
  }

  /** The store appended list entries on every merge patch, so an instance's conditions grew with each status write. */
  @Test
  void aMergePatchOfTheStatusReplacesItsConditions() throws Exception {
    client.resource(instance("patch", "bob-sd")).create();
    String path = "/apis/aigc.dev/v1alpha1/namespaces/patch/aigcinstances/bob-sd/status";
    for (String status : List.of("False", "True")) {
      HttpResponse<String> patched = http.send(HttpRequest.newBuilder(URI.create(base + path))
          .header("Content-Type", "application/merge-patch+json")
          .method("PATCH", HttpRequest.BodyPublishers.ofString(
              "{\"status\":{\"phase\":null,\"conditions\":[{\"type\":\"Ready\",\"status\":\"" + status + "\"}]}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(patched.statusCode()).as(patched.body()).isBetween(200, 202);
    }
    JsonNode stored = get("/apis/aigc.dev/v1alpha1/namespaces/patch/aigcinstances/bob-sd", null);
    assertThat(stored.path("status").path("conditions")).hasSize(1);
    assertThat(stored.path("status").path("conditions").get(0).path("status").asText()).isEqualTo("True");
    assertThat(stored.path("status").has("phase")).isFalse();
  }

  @Test
  void aStrategicMergePatchIsApplied() throws Exception {
    client.configMaps().inNamespace("smp").resource(new ConfigMapBuilder().withNewMetadata().withName("c")
        .addToFinalizers("x").endMetadata().addToData("a", "1").build()).create();
    HttpResponse<String> patched = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/smp/configmaps/c"))
        .header("Content-Type", "application/strategic-merge-patch+json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"finalizers\":[\"y\"]},\"data\":{\"a\":null,\"b\":\"2\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(patched.statusCode()).as(patched.body()).isBetween(200, 202);
    ConfigMap stored = client.configMaps().inNamespace("smp").withName("c").get();
    assertThat(stored.getData()).containsExactlyEntriesOf(java.util.Map.of("b", "2"));
    assertThat(stored.getMetadata().getFinalizers()).containsExactly("x", "y");
  }

  /** The store sent every stored object as ADDED to a watch from a resourceVersion: kubectl get -w printed each row twice. */
  @Test
  void aWatchFromAResourceVersionSendsOnlyWhatHappensAfterIt() throws Exception {
    client.resource(instance("watch", "old")).create();
    String version = client.resources(AigcInstance.class).inNamespace("watch").list().getMetadata().getResourceVersion();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Watch watch = client.resources(AigcInstance.class).inNamespace("watch").withResourceVersion(version).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, AigcInstance resource) {
        seen.add(action + " " + resource.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) { }
    })) {
      client.resource(instance("watch", "new")).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("ADDED new"));
      assertThat(seen).containsExactly("ADDED new");
    }
  }

  /**
   * kubectl delete waits with a list and then a watch from the list's version; the store does not
   * replay, so an object deleted in between was waited on until kubectl gave up.
   */
  @Test
  void aWatchFromAResourceVersionHearsOfDeletionsMadeBeforeItOpened() throws Exception {
    client.resource(instance("late", "kept")).create();
    client.resource(instance("late", "gone")).create();
    client.resource(instance("late", "before")).create();
    client.resources(AigcInstance.class).inNamespace("late").withName("before").delete();
    String version = client.resources(AigcInstance.class).inNamespace("late").list().getMetadata().getResourceVersion();
    client.resources(AigcInstance.class).inNamespace("late").withName("gone").delete();
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Watch watch = client.resources(AigcInstance.class).inNamespace("late").withResourceVersion(version).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, AigcInstance resource) {
        seen.add(action + " " + resource.getMetadata().getName() + " " + resource.getMetadata().getResourceVersion());
      }

      @Override
      public void onClose(WatcherException cause) { }
    })) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !seen.isEmpty());
      client.resource(instance("late", "new")).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 2);
      // the deletion has a version after the list's; what was deleted before the list is not repeated
      assertThat(seen.get(0)).startsWith("DELETED gone ");
      assertThat(Long.parseLong(seen.get(0).split(" ")[2])).isGreaterThan(Long.parseLong(version));
      assertThat(seen.get(1)).startsWith("ADDED new ");
    }
  }

  @Test
  void accessReviewsAllowEverythingAndAMissingObjectIsAStatus() throws Exception {
    HttpResponse<String> review = http.send(HttpRequest.newBuilder(URI.create(base + "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
            + "\"spec\":{\"namespace\":\"default\"}}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(review.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(review.body()).path("status").path("resourceRules").get(0).path("verbs").get(0).asText()).isEqualTo("*");

    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/apis/aigc.dev/v1alpha1/namespaces/x/aigcinstances/nobody"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    JsonNode status = JSON.readTree(missing.body());
    assertThat(status.path("reason").asText()).isEqualTo("NotFound");
    assertThat(status.path("message").asText()).isEqualTo("aigcinstances.aigc.dev \"nobody\" not found");
  }

  /** kubectl diff asks for dry runs, which the store alone carried out. */
  @Test
  void aDryRunAnswersWithTheResultAndStoresNothing() throws Exception {
    HttpResponse<String> create = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/dry/configmaps?dryRun=All"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(create.statusCode()).isEqualTo(201);
    assertThat(client.configMaps().inNamespace("dry").withName("c").get()).isNull();

    client.configMaps().inNamespace("dry").resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata()
        .addToData("a", "1").build()).create();
    HttpResponse<String> patch = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/dry/configmaps/c?dryRun=All"))
        .header("Content-Type", "application/strategic-merge-patch+json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"data\":{\"a\":\"2\"}}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(patch.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(patch.body()).path("data").path("a").asText()).isEqualTo("2");
    assertThat(client.configMaps().inNamespace("dry").withName("c").get().getData()).containsEntry("a", "1");
  }

  private JsonNode get(String path, String accept) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (accept != null) request.header("Accept", accept);
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    return JSON.readTree(response.body());
  }

  private static JsonNode resource(JsonNode list, String name) {
    for (JsonNode r : list.path("resources")) if (r.path("name").asText().equals(name)) return r;
    return null;
  }

  private static AigcInstance instance(String namespace, String name) {
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate("stable-diffusion-cpu");
    spec.setOwner(name.split("-")[0]);
    instance.setSpec(spec);
    return instance;
  }
}
