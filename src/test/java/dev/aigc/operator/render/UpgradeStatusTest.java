package dev.aigc.operator.render;

import static dev.aigc.operator.render.GameServerSetRendererTest.example;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.AigcTemplateStatus;
import dev.aigc.operator.api.UpgradePolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a running instance is told about its template's newer versions. */
class UpgradeStatusTest {
  private static final String NOW = "2026-11-24T10:00:00Z";

  @Test
  void anOlderPodWaitsForARestartAndIsToldWhatChanges() {
    UpgradeStatus.Result result = UpgradeStatus.of(List.of(), template(5, "image=b,resources=r"),
        Map.of(PodTemplateVersion.GENERATION, "3", PodTemplateVersion.PARTS, "image=a,resources=r"), 1L, NOW);
    assertThat(result.outdated()).isTrue();
    assertThat(result.generation()).isEqualTo(3);
    var c = Conditions.find(result.conditions(), UpgradeStatus.UPDATE_AVAILABLE);
    assertThat(c.getReason()).isEqualTo(UpgradeStatus.RESTART_TO_UPDATE);
    assertThat(c.getMessage()).isEqualTo("template generation 3 -> 5 changes image; restart to update");
    assertThat(result.forceAt()).isNull();
  }

  @Test
  void forceUpgradeAfterCountsFromWhenTheUpdateFirstWaited() {
    AigcTemplate template = template(5, "image=b");
    template.getSpec().setForceUpgradeAfter("1h30m");
    var pod = Map.of(PodTemplateVersion.GENERATION, "3", PodTemplateVersion.PARTS, "image=a");
    UpgradeStatus.Result first = UpgradeStatus.of(List.of(), template, pod, 1L, NOW);
    assertThat(first.forceAt()).isEqualTo(Instant.parse("2026-11-24T11:30:00Z"));
    // a later look (another template version, say) keeps the time the wait began
    UpgradeStatus.Result later = UpgradeStatus.of(first.conditions(), template, pod, 1L, "2026-11-24T11:00:00Z");
    assertThat(later.forceAt()).isEqualTo(first.forceAt());
    // Immediate is rolled by OKG: nothing to force
    template.getSpec().setUpgradePolicy(UpgradePolicy.Immediate);
    assertThat(UpgradeStatus.of(List.of(), template, pod, 1L, NOW).forceAt()).isNull();
  }

  @Test
  void aPodFromBeforeVersionsWereRecordedIsNotCalledOutdated() {
    UpgradeStatus.Result result = UpgradeStatus.of(List.of(), template(5, "image=b"), Map.of(), 1L, NOW);
    assertThat(result.outdated()).isFalse();
    assertThat(Conditions.find(result.conditions(), UpgradeStatus.UPDATE_AVAILABLE).getStatus()).isEqualTo(Conditions.UNKNOWN);
  }

  @Test
  void withoutAPodThereIsNothingToSay() {
    var before = UpgradeStatus.of(List.of(), template(5, "image=b"), Map.of(PodTemplateVersion.GENERATION, "3"), 1L, NOW).conditions();
    assertThat(Conditions.find(UpgradeStatus.of(before, template(5, "image=b"), null, 1L, NOW).conditions(),
        UpgradeStatus.UPDATE_AVAILABLE)).isNull();
  }

  private static AigcTemplate template(long podGeneration, String parts) {
    AigcTemplate template = example("stable-diffusion-cpu");
    AigcTemplateStatus status = new AigcTemplateStatus();
    status.setDedicatedGeneration(podGeneration);
    status.setDedicatedParts(parts);
    template.setStatus(status);
    return template;
  }
}
