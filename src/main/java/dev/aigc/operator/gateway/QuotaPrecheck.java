package dev.aigc.operator.gateway;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstanceState;
import java.util.List;

/**
 * A friendly early "no" for an install or start that a template's quota would hold. Only a
 * courtesy read from the cache: the operator's template reconciler decides who runs (one decision
 * per template, so two racing installs cannot both win), and an instance created past this check
 * waits, Pending with QuotaExceeded, until room frees up. Namespace GPU quotas (AigcQuota) are not
 * read here; an instance beyond one is created and waits, its dashboard row saying which quota.
 */
final class QuotaPrecheck {
  private QuotaPrecheck() {}

  /**
   * @param instances every instance the gateway sees
   * @param self the instance being started (excluded from the count), null for an install
   * @return why the template's quota refuses one more running instance of {@code owner}, or null
   */
  static String refusal(AigcTemplate template, List<AigcInstance> instances, String owner, AigcInstance self) {
    var dedicated = template.getSpec() == null ? null : template.getSpec().getDedicated();
    var quota = dedicated == null ? null : dedicated.getQuota();
    if (quota == null) return null;
    String name = template.getMetadata().getName();
    List<AigcInstance> running = instances.stream()
        .filter(i -> template.getMetadata().getNamespace().equals(i.getMetadata().getNamespace())
            && i.getSpec() != null && name.equals(i.getSpec().getTemplate())
            && i.getMetadata().getDeletionTimestamp() == null && i.getSpec().getState() != InstanceState.Stopped
            && (self == null || !self.getMetadata().getName().equals(i.getMetadata().getName())))
        .toList();
    String title = template.getSpec().getDisplayName() != null ? template.getSpec().getDisplayName() : name;
    if (quota.getMaxRunning() != null && running.size() >= quota.getMaxRunning()) {
      return title + " allows " + quota.getMaxRunning() + " running instance(s) at once and all are taken; try again when one stops.";
    }
    long mine = running.stream().filter(i -> owner.equals(i.getSpec().getOwner())).count();
    if (quota.getMaxPerUser() != null && mine >= quota.getMaxPerUser()) {
      return title + " allows " + quota.getMaxPerUser() + " running instance(s) per user; stop one of yours first.";
    }
    return null;
  }
}
