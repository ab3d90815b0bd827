package dev.aigc.operator.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateSpec;
import dev.aigc.operator.api.DedicatedSpec;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.api.QuotaSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway's early answer to an install or start that a template's quota would hold. */
class QuotaPrecheckTest {
  private static AigcTemplate template(Integer maxRunning, Integer maxPerUser) {
    AigcTemplate t = new AigcTemplate();
    t.setMetadata(new ObjectMetaBuilder().withName("sd").withNamespace("ns").build());
    AigcTemplateSpec spec = new AigcTemplateSpec();
    spec.setDisplayName("Stable Diffusion");
    DedicatedSpec dedicated = new DedicatedSpec();
    QuotaSpec q = new QuotaSpec();
    q.setMaxRunning(maxRunning);
    q.setMaxPerUser(maxPerUser);
    dedicated.setQuota(q);
    spec.setDedicated(dedicated);
    t.setSpec(spec);
    return t;
  }

  private static AigcInstance instance(String name, String owner, InstanceState state) {
    AigcInstance i = new AigcInstance();
    i.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate("sd");
    spec.setOwner(owner);
    spec.setState(state);
    i.setSpec(spec);
    return i;
  }

  @Test
  void anInstallIsRefusedWhenEverySlotIsTakenAndAllowedOnceOneStops() {
    List<AigcInstance> two = List.of(instance("a", "alice", InstanceState.Running), instance("b", "bob", InstanceState.Running));
    assertThat(QuotaPrecheck.refusal(template(2, null), two, "carol", null))
        .isEqualTo("Stable Diffusion allows 2 running instance(s) at once and all are taken; try again when one stops.");
    List<AigcInstance> oneStopped = List.of(instance("a", "alice", InstanceState.Running), instance("b", "bob", InstanceState.Stopped));
    assertThat(QuotaPrecheck.refusal(template(2, null), oneStopped, "carol", null)).isNull();
  }

  @Test
  void aStartCountsEveryoneButTheInstanceStartedAndThePerUserBoundOnlyTheCallers() {
    AigcInstance mine = instance("a2", "alice", InstanceState.Stopped);
    List<AigcInstance> all = List.of(instance("a1", "alice", InstanceState.Running), mine, instance("b1", "bob", InstanceState.Running));
    assertThat(QuotaPrecheck.refusal(template(null, 1), all, "alice", mine)).contains("1 running instance(s) per user");
    assertThat(QuotaPrecheck.refusal(template(3, 1), all, "carol", null)).isNull();
    assertThat(QuotaPrecheck.refusal(template(null, null), all, "alice", mine)).isNull();
  }
}
