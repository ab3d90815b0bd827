package dev.aigc.operator.reconcile;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The template reconciler's quota decisions, held in memory for the two readers that need them
 * between reconciles: the instance reconciler (which says QuotaExceeded in a waiting instance's
 * status) and the template reconciler, whose templates with waiting instances are woken when
 * another template of their namespace frees room or an AigcQuota there changes. Nothing here must survive a restart:
 * every template reconciles at start and decides again from the cluster.
 *
 * <p>It also holds one lock per namespace: a decision under a namespace's GPU quota counts the
 * instances of every template there, so two templates' reconciles must not both take the last GPU.
 */
final class QuotaBoard {
  /** Template key (namespace/name) to its waiting instances and the quota each waits for. */
  private final Map<String, Map<ResourceID, String>> byTemplate = new ConcurrentHashMap<>();
  private final Map<ResourceID, String> waiting = new ConcurrentHashMap<>();
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<AigcInstance> instanceEvents = new SimpleInboundEventSource<>("instance-quota");
  private final SimpleInboundEventSource<AigcTemplate> templateEvents = new SimpleInboundEventSource<>("template-quota");

  /** Wakes the instance reconciler of an instance whose verdict changed. */
  SimpleInboundEventSource<AigcInstance> instanceEvents() {
    return instanceEvents;
  }

  /** Wakes the template reconciler of a template whose instances wait. */
  SimpleInboundEventSource<AigcTemplate> templateEvents() {
    return templateEvents;
  }

  /** Room was made in this namespace by template {@code by}: the other templates whose instances wait there decide again. */
  void wakeWaiting(String namespace, String by) {
    if (!templateEvents.isRunning()) return;
    for (ResourceID t : waitingTemplates(namespace)) {
      if (!t.getName().equals(by)) templateEvents.propagateEvent(t);
    }
  }

  ReentrantLock lock(String namespace) {
    return locks.computeIfAbsent(namespace, n -> new ReentrantLock());
  }

  /** The quota this instance waits for, or null. */
  String waitingFor(ResourceID instance) {
    return waiting.get(instance);
  }

  /** Templates of the namespace with an instance waiting for a quota. */
  Set<ResourceID> waitingTemplates(String namespace) {
    Set<ResourceID> templates = new HashSet<>();
    for (var e : byTemplate.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      int slash = e.getKey().indexOf('/');
      if (e.getKey().substring(0, slash).equals(namespace)) templates.add(new ResourceID(e.getKey().substring(slash + 1), namespace));
    }
    return templates;
  }

  /** Records one template's verdicts (its waiting instances) and wakes each instance whose verdict changed. */
  void publish(String namespace, String template, Map<ResourceID, String> now) {
    Map<ResourceID, String> before = byTemplate.put(namespace + "/" + template, Map.copyOf(now));
    Set<ResourceID> changed = new HashSet<>();
    if (before != null) {
      for (var e : before.entrySet()) {
        if (!now.containsKey(e.getKey())) {
          waiting.remove(e.getKey(), e.getValue());
          changed.add(e.getKey());
        }
      }
    }
    for (var e : now.entrySet()) {
      if (!Objects.equals(waiting.put(e.getKey(), e.getValue()), e.getValue())) changed.add(e.getKey());
    }
    // before the instance controller starts there is no one to wake; it reads the board when it does
    if (instanceEvents.isRunning()) changed.forEach(instanceEvents::propagateEvent);
  }
}
