package dev.aigc.operator.render;

import static dev.aigc.operator.render.GameServerSetRendererTest.SETTINGS;
import static dev.aigc.operator.render.GameServerSetRendererTest.example;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.UpgradePolicy;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.UpdateStrategy;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which version of its template a pod runs, and how OKG is told to move pods to a new one. */
class PodTemplateVersionTest {

  @Test
  void onRestartAndWhenIdleTouchNoRunningPodAndImmediateRollsInPlaceWherePossible() {
    AigcTemplate template = example("stable-diffusion-cpu");
    UpdateStrategy onRestart = render(template).getSpec().getUpdateStrategy();
    assertThat(onRestart.getType()).isEqualTo("OnDelete");
    // OKG runs a rolling update whenever rollingUpdate is set, and a partition would bring pods back on an old revision
    assertThat(onRestart.getRollingUpdate()).isNull();

    template.getSpec().setUpgradePolicy(UpgradePolicy.WhenIdle);
    assertThat(render(template).getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");

    template.getSpec().setUpgradePolicy(UpgradePolicy.Immediate);
    UpdateStrategy immediate = render(template).getSpec().getUpdateStrategy();
    assertThat(immediate.getRollingUpdate().getPodUpdatePolicy()).isEqualTo("InPlaceIfPossible");
    assertThat(immediate.getRollingUpdate().getMaxUnavailable().getStrVal()).isEqualTo("100%");
    assertThat(immediate.getRollingUpdate().getPartition()).isNull();
  }

  @Test
  void aChangeOutsideThePodTemplateKeepsTheVersionPodsRun() {
    AigcTemplate template = at(example("stable-diffusion-cpu"), 3);
    GameServerSet first = render(template);
    assertThat(PodTemplateVersion.generationOf(first)).isEqualTo(3);

    AigcTemplate renamed = at(Serialization.clone(template), 4);
    renamed.getSpec().setDisplayName("Stable Diffusion (renamed)");
    renamed.getSpec().setUpgradePolicy(UpgradePolicy.Immediate);
    GameServerSet second = GameServerSetRenderer.render(renamed, Allocation.empty(), SETTINGS, first);
    assertThat(PodTemplateVersion.generationOf(second)).as("display name and policy leave pods as they are").isEqualTo(3);
    // so the set needs no pod template change, and OKG makes no new revision
    assertThat(tree(GameServerSetUpdate.merge(second, first))).isEqualTo(tree(first));
  }

  @Test
  void aChangedImageOrResourcesMakeANewVersionAndSayWhatChanged() {
    AigcTemplate template = at(example("stable-diffusion-cpu"), 3);
    GameServerSet first = render(template);

    AigcTemplate newImage = at(Serialization.clone(template), 4);
    newImage.getSpec().getApp().setImage("yunqi-registry.cn-shanghai.cr.aliyuncs.com/lab/stable-diffusion:v1.0.1-cpu");
    GameServerSet second = GameServerSetRenderer.render(newImage, Allocation.empty(), SETTINGS, first);
    assertThat(PodTemplateVersion.generationOf(second)).isEqualTo(4);
    assertThat(PodTemplateVersion.changes(annotations(first), annotations(second))).containsExactly("image");

    AigcTemplate bigger = at(Serialization.clone(newImage), 5);
    bigger.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec());
    bigger.getSpec().getCompute().setCpu("8");
    GameServerSet third = GameServerSetRenderer.render(bigger, Allocation.empty(), SETTINGS, second);
    assertThat(PodTemplateVersion.changes(annotations(first), annotations(third))).containsExactly("image", "resources");
    assertThat(PodTemplateVersion.changes(annotations(third), annotations(third))).isEmpty();
    // a pod made before versions were recorded carries no fingerprint: everything may differ
    assertThat(PodTemplateVersion.changes(Map.of(), annotations(third))).containsExactly("all");
  }

  private static Object tree(GameServerSet gss) {
    return Serialization.jsonMapper().valueToTree(gss.getSpec().getGameServerTemplate());
  }

  private static GameServerSet render(AigcTemplate template) {
    return GameServerSetRenderer.render(template, Allocation.empty(), SETTINGS);
  }

  private static AigcTemplate at(AigcTemplate template, long generation) {
    template.getMetadata().setGeneration(generation);
    return template;
  }

  private static Map<String, String> annotations(GameServerSet gss) {
    return gss.getSpec().getGameServerTemplate().getMetadata().getAnnotations();
  }
}
