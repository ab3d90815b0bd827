package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the gateway knows of templates and instances (informer caches, read from memory) and the
 * only writes it makes: an instance's spec, as a signed-in user's explicit action (invariant 5).
 */
public final class Catalog implements AutoCloseable {
  private final KubernetesClient client;
  private final SharedIndexInformer<AigcTemplate> templates;
  private final SharedIndexInformer<AigcInstance> instances;

  public Catalog(KubernetesClient client, InstanceDirectory directory) {
    this.client = client;
    this.templates = client.resources(AigcTemplate.class).inAnyNamespace().inform();
    this.instances = client.resources(AigcInstance.class).inAnyNamespace().inform(directory.handler());
  }

  public List<AigcTemplate> templates() {
    return templates.getStore().list();
  }

  public List<AigcInstance> instances() {
    return instances.getStore().list();
  }

  public Optional<AigcTemplate> template(String namespace, String name) {
    return Optional.ofNullable(templates.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)));
  }

  public Optional<AigcInstance> instance(String namespace, String name) {
    return Optional.ofNullable(instances.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)));
  }

  public AigcInstance create(AigcInstance instance) {
    return client.resource(instance).create();
  }

  public AigcInstance edit(String namespace, String name, UnaryOperator<AigcInstance> change) {
    return client.resources(AigcInstance.class).inNamespace(namespace).withName(name).edit(change);
  }

  public void delete(String namespace, String name) {
    client.resources(AigcInstance.class).inNamespace(namespace).withName(name).delete();
  }

  /** Whether both caches have listed everything once. */
  public boolean synced() {
    return templates.hasSynced() && instances.hasSynced();
  }

  @Override
  public void close() {
    templates.close();
    instances.close();
  }
}
