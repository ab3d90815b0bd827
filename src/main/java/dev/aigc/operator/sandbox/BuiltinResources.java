package dev.aigc.operator.sandbox;

import dev.aigc.operator.sandbox.ApiResource.Column;
import java.util.List;

/**
 * The kinds the sandbox's API serves without a CRD in its store: the Kubernetes kinds the operator,
 * the gateway and the simulators use, and OpenKruiseGame's kinds (whose CRDs the sandbox does not
 * install, so that OKG's objects keep the storage rules the tests were written against).
 */
final class BuiltinResources {
  private BuiltinResources() {}

  static final List<ApiResource> ALL = List.of(
      core("namespaces", "namespace", "Namespace", false, List.of("ns"), List.of(), ApiResource.nameAndAge()),
      core("pods", "pod", "Pod", true, List.of("po"), List.of("all"), List.of(Column.nameColumn(),
          Column.of("Status", "string", ".status.phase"), Column.of("Node", "string", ".spec.nodeName"), Column.ageColumn())),
      core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, List.of("pvc"), List.of(),
          List.of(Column.nameColumn(), Column.of("Status", "string", ".status.phase"),
              Column.of("Capacity", "string", ".spec.resources.requests.storage"),
              Column.of("StorageClass", "string", ".spec.storageClassName"), Column.ageColumn())),
      // kubectl get events shows these columns (and no name), as a real API server's table does
      core("events", "event", "Event", true, List.of("ev"), List.of(), List.of(
          Column.of("Last Seen", "date", ".lastTimestamp"), Column.of("Type", "string", ".type"),
          Column.of("Reason", "string", ".reason"), Column.of("Object", "string", ".involvedObject.name"),
          Column.of("Message", "string", ".message"))),
      core("services", "service", "Service", true, List.of("svc"), List.of("all"), ApiResource.nameAndAge()),
      core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of(), ApiResource.nameAndAge()),
      core("secrets", "secret", "Secret", true, List.of(), List.of(), ApiResource.nameAndAge()),
      core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of(), ApiResource.nameAndAge()),
      of("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, List.of(), List.of(), List.of(Column.nameColumn(),
          Column.of("Holder", "string", ".spec.holderIdentity"), Column.ageColumn())),
      // the wake Services' endpoints, which the operator mirrors from the gateway Service's
      of("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, List.of(), List.of(),
          ApiResource.nameAndAge()),
      of("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, List.of("ing"), List.of(), ApiResource.nameAndAge()),
      of("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition",
          false, List.of("crd", "crds"), List.of(), List.of(Column.nameColumn(), Column.of("Created At", "date", ".metadata.creationTimestamp"))),
      review("selfsubjectaccessreviews", "SelfSubjectAccessReview"),
      review("selfsubjectrulesreviews", "SelfSubjectRulesReview"),
      // OpenKruiseGame's own printer columns
      okg("gameserversets", "gameserverset", "GameServerSet", "gss", List.of(Column.nameColumn(),
          Column.of("Desired", "integer", ".spec.replicas"), Column.of("Current", "integer", ".status.replicas"),
          Column.of("Updated", "integer", ".status.updatedReplicas"), Column.of("Ready", "integer", ".status.readyReplicas"),
          Column.ageColumn())),
      okg("gameservers", "gameserver", "GameServer", "gs", List.of(Column.nameColumn(),
          Column.of("State", "string", ".status.currentState"), Column.of("OpsState", "string", ".spec.opsState"),
          Column.of("DP", "string", ".spec.deletionPriority"), Column.of("UP", "string", ".spec.updatePriority"),
          Column.ageColumn())));

  private static ApiResource core(String plural, String singular, String kind, boolean namespaced, List<String> shortNames,
      List<String> categories, List<Column> columns) {
    return of("", "v1", plural, singular, kind, namespaced, shortNames, categories, columns);
  }

  private static ApiResource of(String group, String version, String plural, String singular, String kind, boolean namespaced,
      List<String> shortNames, List<String> categories, List<Column> columns) {
    return new ApiResource(group, version, plural, singular, kind, namespaced, shortNames, categories, ApiResource.ALL_VERBS,
        columns, false);
  }

  private static ApiResource review(String plural, String kind) {
    return new ApiResource("authorization.k8s.io", "v1", plural, "", kind, false, List.of(), List.of(), List.of("create"),
        List.of(), false);
  }

  private static ApiResource okg(String plural, String singular, String kind, String shortName, List<Column> columns) {
    return new ApiResource("game.kruise.io", "v1alpha1", plural, singular, kind, true, List.of(shortName), List.of(),
        ApiResource.ALL_VERBS, columns, true);
  }
}
