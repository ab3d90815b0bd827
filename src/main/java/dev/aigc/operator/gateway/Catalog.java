package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.Map;

/**
 * What the gateway knows of templates and instances (informer caches, read from memory) and the
 * only writes it makes: an instance's spec, as a signed-in user's explicit action (invariant 5).
 */
public final class Catalog implements AutoCloseable {
  private final KubernetesClient client;
  private final InstanceDirectory directory;
  private final List<SharedIndexInformer<AigcTemplate>> templates = new ArrayList<>();
  private final List<SharedIndexInformer<AigcInstance>> instances = new ArrayList<>();

  /** Watches all namespaces, as a ClusterRoleBinding allows. */
  public Catalog(KubernetesClient client, InstanceDirectory directory) {
    this(client, directory, Set.of());
  }

  /** @param namespaces the namespaces to watch (one informer each, as namespaced RoleBindings allow); empty for all */
  public Catalog(KubernetesClient client, InstanceDirectory directory, Set<String> namespaces) {
    this.client = client;
    this.directory = directory;
    if (namespaces.isEmpty()) {
      templates.add(client.resources(AigcTemplate.class).inAnyNamespace().inform());
      instances.add(client.resources(AigcInstance.class).inAnyNamespace().inform(directory.handler()));
    } else {
      for (String namespace : namespaces) {
        templates.add(client.resources(AigcTemplate.class).inNamespace(namespace).inform());
        instances.add(client.resources(AigcInstance.class).inNamespace(namespace).inform(directory.handler()));
      }
    }
  }

  /** The directory the instance informers keep, where a wake from the REST API is recorded as activity. */
  public InstanceDirectory directory() {
    return directory;
  }

  public List<AigcTemplate> templates() {
    return templates.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  public List<AigcInstance> instances() {
    return instances.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  public Optional<AigcTemplate> template(String namespace, String name) {
    return templates.stream().map(i -> i.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)))
        .filter(java.util.Objects::nonNull).findFirst();
  }

  public Optional<AigcInstance> instance(String namespace, String name) {
    return instances.stream().map(i -> i.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)))
        .filter(java.util.Objects::nonNull).findFirst();
  }

  public AigcInstance create(AigcInstance instance) {
    return client.resource(instance).create();
  }

  /**
   * A JSON merge patch of one instance: it sets the fields it names whether or not they are there
   * (fabric8's edit would diff the object as read, with the model's defaults filled in, into a JSON
   * Patch that "replaces" a field the stored spec does not have, which the API server refuses).
   */
  public AigcInstance patch(String namespace, String name, Map<String, Object> mergePatch) {
    return client.resources(AigcInstance.class).inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(mergePatch));
  }

  /**
   * The instances {@code owner} has of a template, as the API server has them now: the cache can lag
   * a create made a moment ago. One list of the namespace per install, a rare and explicit action.
   */
  public List<AigcInstance> instancesOf(String owner, String namespace, String template) {
    return client.resources(AigcInstance.class).inNamespace(namespace).list().getItems().stream()
        .filter(i -> i.getSpec() != null && owner.equals(i.getSpec().getOwner()) && template.equals(i.getSpec().getTemplate()))
        .toList();
  }

  public void delete(String namespace, String name) {
    client.resources(AigcInstance.class).inNamespace(namespace).withName(name).delete();
  }

  /** Whether both caches have listed everything once. */
  public boolean synced() {
    return templates.stream().allMatch(SharedIndexInformer::hasSynced) && instances.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    templates.forEach(SharedIndexInformer::close);
    instances.forEach(SharedIndexInformer::close);
  }
}
