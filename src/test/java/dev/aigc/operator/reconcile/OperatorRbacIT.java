package dev.aigc.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DataRetention;
import dev.aigc.operator.api.InstancePhase;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.api.SharedSpec;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.render.Conditions;
import dev.aigc.operator.sim.SystemPrograms;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC grants exactly what the operator calls: the real operator (leader election on, as
 * the chart runs it) goes through a full lifecycle on the mock API server while every request of its
 * client is recorded; each is then authorized as the API server would, against the roles that
 * {@code helm template} binds to the operator's ServiceAccount. Every call must be allowed, and every
 * (group, resource, verb) granted must have been used.
 */
class OperatorRbacIT extends OperatorTestBase {
  private static final String RELEASE_NAMESPACE = "aigc-system";
  /** The gateway's Service as the chart names it to the operator (AIGC_GATEWAY_SERVICE). */
  private static final String GATEWAY_SERVICE = "aigc-aigc-operator-gateway";
  private static final OperatorSettings AS_DEPLOYED = new OperatorSettings(Set.of(), SETTINGS.gatewayAuthUrl(),
      SETTINGS.gatewaySignInUrl(), RELEASE_NAMESPACE, false, RELEASE_NAMESPACE + "/" + GATEWAY_SERVICE);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Owner kinds the operator may name with blockOwnerDeletion, and their resources. */
  private static final Map<String, String> OWNER_RESOURCES = Map.of(
      HasMetadata.getGroup(AigcTemplate.class) + "/" + HasMetadata.getKind(AigcTemplate.class), HasMetadata.getPlural(AigcTemplate.class),
      HasMetadata.getGroup(AigcInstance.class) + "/" + HasMetadata.getKind(AigcInstance.class), HasMetadata.getPlural(AigcInstance.class));

  /**
   * Granted, never called, and still needed: JOSDK 5.2.3 refuses to start leader election unless a
   * SelfSubjectRulesReview shows create, update and get on Leases (LeaderElectionManager.checkLeaseAccess),
   * while fabric8 7.5.2 renews the Lease with a patch and never updates it. The review is answered from
   * the chart below, so without this right the operator does not start and this test fails.
   */
  private static final Set<String> REQUIRED_BUT_NOT_CALLED = Set.of("coordination.k8s.io leases update");

  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
  private List<Grant> grants;

  /** One HTTP request of the operator's client, as it left. */
  record Call(String method, URI uri, String body) {
    @Override
    public String toString() {
      return method + " " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }
  }

  /** What the API server authorizes a request as; {@code resource} may be resource/subresource. */
  record Attributes(String group, String resource, String verb, String namespace, String name, String why) {
    String key() {
      return (group.isEmpty() ? "\"\"" : group) + " " + resource + " " + verb;
    }
  }

  /** One (group, resource, verb) of a rule, where the binding that grants it applies. */
  record Grant(String role, String namespace, String group, String resource, String verb, List<String> resourceNames) {
    boolean allows(Attributes a) {
      return group.equals(a.group()) && resource.equals(a.resource()) && verb.equals(a.verb())
          && (namespace == null || namespace.equals(a.namespace()))
          && (resourceNames.isEmpty() || (a.name() != null && resourceNames.contains(a.name())));
    }

    String key() {
      return (group.isEmpty() ? "\"\"" : group) + " " + resource + " " + verb;
    }
  }

  @Override
  boolean withKnative() {
    return true;
  }

  @Override
  void startOperator() {
    grants = grantsOf(renderChart(), "operator");
    // What the API server would answer JOSDK's check of its Lease rights, from the chart's rules.
    cluster.server().expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, rulesReview(grants, RELEASE_NAMESPACE)).always();
    operatorClient = cluster.newClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("record",
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            calls.add(new Call(request.method(), request.uri(), bodyOf(request)));
          }
        })));
    operator = new AigcOperator(operatorClient, AS_DEPLOYED).start();
  }

  @Test
  void theChartGrantsTheOperatorExactlyWhatItCallsThroughAWholeLifecycle() throws Exception {
    await().atMost(WAIT).until(operator::isLeader);

    runLifecycle();
    stopOperator();

    List<Attributes> requests = new ArrayList<>();
    Set<String> nonResource = new TreeSet<>();
    for (Call call : calls) {
      Optional<Attributes> attributes = attributesOf(call);
      if (attributes.isEmpty()) {
        nonResource.add(call.method() + " " + call.uri().getRawPath());
        continue;
      }
      requests.add(attributes.get());
      requests.addAll(impliedBy(attributes.get(), call.body()));
    }
    report(requests, nonResource);

    assertThat(requests).as("the informers were recorded too").anyMatch(a -> a.verb().equals("watch"));
    // Discovery only, which every authenticated user may read (system:discovery); no rule needed.
    assertThat(nonResource).allMatch(u -> u.startsWith("GET /api") || u.equals("GET /version"));

    List<String> denied = requests.stream().filter(a -> grants.stream().noneMatch(g -> g.allows(a)))
        .map(a -> a.key() + " in " + a.namespace() + " (" + a.why() + ")").distinct().toList();
    assertThat(denied).as("calls the chart's RBAC does not allow").isEmpty();

    assertThat(REQUIRED_BUT_NOT_CALLED).as("excused rights are still granted")
        .allMatch(key -> grants.stream().anyMatch(g -> g.key().equals(key)));
    List<String> unused = grants.stream().filter(g -> !REQUIRED_BUT_NOT_CALLED.contains(g.key()))
        .filter(g -> requests.stream().noneMatch(g::allows))
        .map(g -> g.key() + " (" + g.role() + ")").distinct().toList();
    assertThat(unused).as("rights the chart grants that the operator never used").isEmpty();
  }

  /** An admin and users through everything the operator does, each step awaited to its end. */
  private void runLifecycle() {
    // The admin's template offers both modes: a GameServerSet and a Knative Service, both owned by it.
    AigcTemplate template = load(Path.of("examples/stable-diffusion-cpu.yaml"), AigcTemplate.class);
    template.getMetadata().setNamespace(NS);
    SharedSpec shared = new SharedSpec();
    shared.setContainerConcurrency(1);
    shared.setMaxScale(5);
    template.getSpec().setShared(shared);
    kubectl.resource(template).create();
    awaitTemplate(t -> t.getStatus().getSharedUrl() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));

    // Idle suspension: the wake Service and its endpoints follow the gateway's, and go when the template stops idling.
    kubectl.resource(gatewaySlice(8080, "10.0.0.1")).create();
    editTemplate(t -> {
      var idle = new dev.aigc.operator.api.IdleSpec();
      idle.setSuspendAfter("30m");
      t.getSpec().getDedicated().setIdle(idle);
    });
    String wake = dev.aigc.operator.render.Names.wakeService(TEMPLATE);
    await().atMost(WAIT).until(() -> wakeSlice(wake) != null && wakeSlice(wake).getEndpoints().size() == 1);
    kubectl.resource(gatewaySlice(8090, "10.0.0.1", "10.0.0.2")).update();
    await().atMost(WAIT).until(() -> wakeSlice(wake).getEndpoints().size() == 2
        && kubectl.services().inNamespace(NS).withName(wake).get().getSpec().getPorts().get(0).getTargetPort().getIntVal() == 8090);
    editTemplate(t -> t.getSpec().getDedicated().setIdle(null));
    await().atMost(WAIT).until(() -> wakeSlice(wake) == null && kubectl.services().inNamespace(NS).withName(wake).get() == null);

    // JOSDK reads an instance only when its finalizer write meets a conflict: make the first one do so.
    cluster.server().expect().patch().withPath(instancePath("alice-sd"))
        .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict")
            .withMessage("the object has been modified; please apply your changes to the latest version and try again").build())
        .once();
    install("alice-sd", "alice");
    awaitPhase("alice-sd", InstancePhase.Running);
    assertThat(calls).as("JOSDK re-read the instance after the conflict")
        .anyMatch(c -> c.method().equals("GET") && c.uri().getRawPath().equals(instancePath("alice-sd")));
    AigcInstance bob = install("bob-sd", "bob");
    awaitPhase("bob-sd", InstancePhase.Running);
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName(bob.getMetadata().getName()).edit(i -> {
      i.getSpec().setDataRetention(DataRetention.Delete);
      return i;
    });

    // Stop and start, as the gateway does.
    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    setState("alice-sd", InstanceState.Running);
    awaitPhase("alice-sd", InstancePhase.Running);

    // Restart, as the gateway does: the annotation; the operator deletes the pod once.
    String requested = Instant.now().toString();
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      Map<String, String> annotations = new LinkedHashMap<>();
      if (i.getMetadata().getAnnotations() != null) annotations.putAll(i.getMetadata().getAnnotations());
      annotations.put(AigcInstance.RESTART_ANNOTATION, requested);
      i.getMetadata().setAnnotations(annotations);
      return i;
    });
    await().atMost(WAIT).until(() -> requested.equals(instance("alice-sd").getStatus().getLastRestart()));
    awaitPhase("alice-sd", InstancePhase.Running);

    // A new image reaches the GameServerSet and the Knative Service.
    editTemplate(t -> t.getSpec().getApp().setImage("registry.example.com/sd:v2"));
    awaitTemplate(t -> t.getMetadata().getGeneration().equals(t.getStatus().getDedicatedGeneration())
        && t.getMetadata().getGeneration().equals(t.getStatus().getSharedGeneration()));

    // Deleted with Retain: the disk stays; with Delete while the GameServerSet runs: marked, then deleted.
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").delete();
    awaitGone("alice-sd");
    assertThat(disk(0)).isNotNull();
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("bob-sd").delete();
    awaitGone("bob-sd");
    await().atMost(WAIT).until(() -> disk(1) == null);

    // Alice installs again and gets her disk back.
    install("alice-sd", "alice");
    assertThat(awaitPhase("alice-sd", InstancePhase.Running).getStatus().getInstanceId()).isZero();

    // An invalid template changes nothing it governs, but a stop still goes through.
    editTemplate(t -> t.getSpec().getDedicated().getIngress().setHost("no-placeholder.example.com"));
    awaitTemplate(t -> Conditions.find(t.getStatus().getConditions(), Conditions.STALLED) != null
        && "InvalidSpec".equals(Conditions.find(t.getStatus().getConditions(), Conditions.STALLED).getReason()));
    setState("alice-sd", InstanceState.Stopped);
    awaitPhase("alice-sd", InstancePhase.Stopped);
    editTemplate(t -> t.getSpec().getDedicated().getIngress().setHost("instances<id>-cpu.example.com"));
    awaitTemplate(t -> Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));
    setState("alice-sd", InstanceState.Running);
    awaitPhase("alice-sd", InstancePhase.Running);

    // Without spec.shared the Knative Service goes; without spec.dedicated the GameServerSet does.
    editTemplate(t -> t.getSpec().setShared(null));
    await().atMost(WAIT).until(() -> knativeService() == null);
    editTemplate(t -> {
      t.getSpec().setShared(shared);
      t.getSpec().setDedicated(null);
    });
    await().atMost(WAIT).until(() -> gameServerSet() == null && knativeService() != null);
    awaitPhase("alice-sd", InstancePhase.Failed);

    // Deleted with Delete when nothing can run its ID any more: the disk goes at once.
    install("carol-sd", "carol");
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").edit(i -> {
      i.getSpec().setDataRetention(DataRetention.Delete);
      return i;
    });
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("alice-sd").delete();
    awaitGone("alice-sd");
    await().atMost(WAIT).until(() -> disk(0) == null);

    // The template is deleted (Cascade): the operator deletes its last instance with it.
    kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).delete();
    awaitGone("carol-sd");
    // An instance of a template that does not exist reports it, and is deleted.
    install("dave-sd", "dave");
    await().atMost(WAIT).until(() -> {
      AigcInstance dave = instance("dave-sd");
      var ready = dave.getStatus() == null ? null : Conditions.find(dave.getStatus().getConditions(), Conditions.READY);
      return ready != null && "TemplateNotFound".equals(ready.getReason());
    });
    kubectl.resources(AigcInstance.class).inNamespace(NS).withName("dave-sd").delete();
    awaitGone("dave-sd");
  }

  /** The gateway Service's one EndpointSlice, with these ready addresses, as the EndpointSlice controller writes it. */
  private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice gatewaySlice(int port, String... addresses) {
    var slice = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder()
        .withNewMetadata().withName(GATEWAY_SERVICE + "-x1").withNamespace(RELEASE_NAMESPACE)
        .addToLabels(dev.aigc.operator.render.WakeBackend.SERVICE_NAME_LABEL, GATEWAY_SERVICE).endMetadata()
        .withAddressType("IPv4")
        .withPorts(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort(null, "http", port, "TCP"));
    for (String address : addresses) {
      slice.addNewEndpoint().withAddresses(address).withNewConditions().withReady(true).endConditions().endEndpoint();
    }
    return slice.build();
  }

  private io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice wakeSlice(String name) {
    return kubectl.resources(io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class).inNamespace(NS).withName(name).get();
  }

  /** How the API server authorizes a request; empty for a non-resource URL (discovery, /version). */
  static Optional<Attributes> attributesOf(Call call) {
    List<String> segments = Arrays.stream(call.uri().getRawPath().split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    List<String> rest;
    if (segments.size() > 2 && segments.get(0).equals("api")) {
      group = "";
      rest = segments.subList(2, segments.size());
    } else if (segments.size() > 3 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      rest = segments.subList(3, segments.size());
    } else {
      return Optional.empty();
    }
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : null;
    if (rest.size() > 2) resource += "/" + rest.get(2);
    String query = call.uri().getRawQuery() == null ? "" : call.uri().getRawQuery();
    boolean watch = Arrays.asList(query.split("&")).contains("watch=true") || Arrays.asList(query.split("&")).contains("watch=1");
    if (name == null) {
      // a list or watch of one name (fieldSelector=metadata.name=x) is authorized against resourceNames
      for (String parameter : query.split("&")) {
        String decoded = java.net.URLDecoder.decode(parameter, StandardCharsets.UTF_8);
        if (decoded.startsWith("fieldSelector=metadata.name=") && !decoded.contains(",")) {
          name = decoded.substring("fieldSelector=metadata.name=".length());
        }
      }
    }
    String verb = switch (call.method()) {
      case "GET" -> watch ? "watch" : rest.size() == 1 ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> rest.size() == 1 ? "deletecollection" : "delete";
      default -> throw new IllegalStateException("unexpected method in " + call);
    };
    return Optional.of(new Attributes(group, resource, verb, namespace, name, call.toString()));
  }

  /**
   * What a write also needs: setting blockOwnerDeletion on an owner reference needs update on the
   * owner's finalizers (OwnerReferencesPermissionEnforcement). The API server asks only when the
   * reference is new or changed; not seeing the stored object, this asks on every write carrying one.
   */
  static List<Attributes> impliedBy(Attributes write, String body) throws IOException {
    if (body == null || !Set.of("create", "update", "patch").contains(write.verb())) return List.of();
    List<Attributes> implied = new ArrayList<>();
    List<JsonNode> nodes = new ArrayList<>();
    nodes.add(Serialization.jsonMapper().readTree(body));
    while (!nodes.isEmpty()) {
      JsonNode node = nodes.remove(nodes.size() - 1);
      node.forEach(nodes::add);
      if (!node.path("blockOwnerDeletion").asBoolean(false)) continue;
      String apiVersion = node.path("apiVersion").asText();
      String ownerGroup = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      String resource = OWNER_RESOURCES.get(ownerGroup + "/" + node.path("kind").asText());
      assertThat(resource).as("resource of owner kind %s in %s", node.path("kind").asText(), write.why()).isNotNull();
      implied.add(new Attributes(ownerGroup, resource + "/finalizers", "update", write.namespace(),
          node.path("name").asText(), "blockOwnerDeletion in " + write.why()));
    }
    return implied;
  }

  /** Every rule of every role bound to the ServiceAccount of {@code component}'s Deployment, where its binding applies. */
  static List<Grant> grantsOf(List<JsonNode> docs, String component) {
    JsonNode deployment = docs.stream().filter(d -> kind(d).equals("Deployment")
        && d.at("/metadata/labels/app.kubernetes.io~1component").asText().equals(component)).findFirst().orElseThrow();
    String serviceAccount = deployment.at("/spec/template/spec/serviceAccountName").asText();
    List<Grant> grants = new ArrayList<>();
    for (JsonNode binding : docs) {
      if (!Set.of("RoleBinding", "ClusterRoleBinding").contains(kind(binding))) continue;
      boolean ours = StreamSupport.stream(binding.path("subjects").spliterator(), false)
          .anyMatch(s -> s.path("kind").asText().equals("ServiceAccount") && s.path("name").asText().equals(serviceAccount)
              && s.path("namespace").asText().equals(namespaceOf(deployment)));
      if (!ours) continue;
      String scope = kind(binding).equals("ClusterRoleBinding") ? null : namespaceOf(binding);
      String roleKind = binding.at("/roleRef/kind").asText();
      String roleName = binding.at("/roleRef/name").asText();
      JsonNode role = docs.stream().filter(d -> kind(d).equals(roleKind) && d.at("/metadata/name").asText().equals(roleName)
          && (roleKind.equals("ClusterRole") || namespaceOf(d).equals(scope))).findFirst().orElseThrow();
      for (JsonNode rule : role.path("rules")) {
        List<String> names = texts(rule.path("resourceNames"));
        for (String group : texts(rule.path("apiGroups"))) {
          for (String resource : texts(rule.path("resources"))) {
            for (String verb : texts(rule.path("verbs"))) {
              grants.add(new Grant(roleKind + " " + roleName, scope, group, resource, verb, names));
            }
          }
        }
      }
    }
    assertThat(grants).as("rules bound to ServiceAccount " + serviceAccount).isNotEmpty();
    assertThat(grants).noneMatch(g -> g.group().equals("*") || g.resource().equals("*") || g.verb().equals("*"));
    return grants;
  }

  /** A SelfSubjectRulesReview's answer in {@code namespace}: the rules whose binding applies there. */
  static SelfSubjectRulesReview rulesReview(List<Grant> grants, String namespace) {
    return new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
        .withResourceRules(grants.stream().filter(g -> g.namespace() == null || g.namespace().equals(namespace))
            .map(g -> new ResourceRuleBuilder().withApiGroups(g.group()).withResources(g.resource()).withVerbs(g.verb())
                .withResourceNames(g.resourceNames()).build())
            .toList())
        .endStatus().build();
  }

  /** The chart as {@code helm template} renders it with its default values. */
  static List<JsonNode> renderChart() {
    Path helm = SystemPrograms.require("helm 3 (see .ci/run)", "helm");
    try {
      Process process = new ProcessBuilder(helm.toString(), "template", "aigc", "helm/aigc-operator",
          "--namespace", RELEASE_NAMESPACE, "--set", "gateway.oidc.clientSecret=test-client-secret").redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) throw new IllegalStateException("helm template failed:\n" + out);
      List<JsonNode> docs = new ArrayList<>();
      try (var parser = YAML.getFactory().createParser(out)) {
        YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
          if (d != null && !d.isNull() && !d.isMissingNode()) docs.add(d);
        });
      }
      return docs;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The table of what was used, for the log and for whoever changes the chart next. */
  private static void report(List<Attributes> requests, Set<String> nonResource) {
    Map<String, Long> counts = new TreeMap<>(requests.stream().collect(Collectors.groupingBy(Attributes::key, Collectors.counting())));
    StringBuilder table = new StringBuilder("operator API calls by (group, resource, verb):\n");
    counts.forEach((key, count) -> table.append(String.format("  %-70s %6d%n", key, count)));
    table.append("non-resource URLs: ").append(nonResource).append('\n');
    System.out.print(table);
  }

  private static String kind(JsonNode doc) {
    return doc.path("kind").asText();
  }

  /** helm template leaves the release namespace out of most objects; that is where they go. */
  private static String namespaceOf(JsonNode doc) {
    String namespace = doc.at("/metadata/namespace").asText();
    return namespace.isEmpty() ? RELEASE_NAMESPACE : namespace;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(v -> texts.add(v.asText()));
    return texts;
  }

  private static String bodyOf(HttpRequest request) {
    try {
      return request.bodyString();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String instancePath(String name) {
    return "/apis/" + HasMetadata.getApiVersion(AigcInstance.class) + "/namespaces/" + NS + "/"
        + HasMetadata.getPlural(AigcInstance.class) + "/" + name;
  }

  private void awaitTemplate(Predicate<AigcTemplate> condition) {
    await().atMost(WAIT).until(() -> {
      AigcTemplate t = kubectl.resources(AigcTemplate.class).inNamespace(NS).withName(TEMPLATE).get();
      return t != null && t.getStatus() != null
          && Objects.equals(t.getStatus().getObservedGeneration(), t.getMetadata().getGeneration())
          && condition.test(t);
    });
  }

  private Service knativeService() {
    return kubectl.resources(Service.class).inNamespace(NS).withName(TEMPLATE).get();
  }
}
