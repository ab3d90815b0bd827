package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.SessionAffinitySpec;
import dev.aigc.operator.api.SharedSpec;
import io.fabric8.knative.serving.v1.Service;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Template in, Knative Service out: the seed's hand-written Service, and one golden file per profile. */
class KnativeServiceRendererTest {

  @Test
  void theSeedSharedTemplateRendersToWhatAdminsWroteByHand() throws IOException {
    Service service = KnativeServiceRenderer.render(GameServerSetRendererTest.example("stable-diffusion-shared"));
    JsonNode rendered = Golden.YAML.valueToTree(service);
    JsonNode handwritten = Golden.read(Path.of("src/test/resources/handwritten/stable-diffusion-shared.ksvc.yaml"));
    assertThat(ObjectDrift.isSubset(handwritten, rendered))
        .as("every field of the hand-written Service is rendered with the same value:%n%s", Golden.YAML.writeValueAsString(rendered))
        .isTrue();
    Golden.assertMatches("stable-diffusion-shared.ksvc.yaml", service);
  }

  /** The compute profile reaches the Knative revision exactly as it reaches the GameServerSet's pods. */
  @ParameterizedTest
  @ValueSource(strings = {"stable-diffusion-cpu", "stable-diffusion-gpu", "stable-diffusion-gpu-share",
      "stable-diffusion-eci-cpu", "stable-diffusion-eci-gpu"})
  void eachComputeProfileRendersToItsGoldenService(String name) throws IOException {
    AigcTemplate template = GameServerSetRendererTest.example(name);
    SharedSpec shared = new SharedSpec();
    shared.setContainerConcurrency(2);
    template.getSpec().setShared(shared);
    Service service = KnativeServiceRenderer.render(template);
    Golden.assertMatches(name + ".ksvc.yaml", service);

    var pod = GameServerSetRenderer.render(template, Allocation.empty(), GameServerSetRendererTest.SETTINGS)
        .getSpec().getGameServerTemplate();
    var revision = service.getSpec().getTemplate();
    assertThat(revision.getSpec().getContainers().get(0).getResources())
        .isEqualTo(pod.getSpec().getContainers().get(0).getResources());
    assertThat(orEmpty(revision.getSpec().getNodeSelector())).isEqualTo(orEmpty(pod.getSpec().getNodeSelector()));
    assertThat(orEmpty(revision.getSpec().getTolerations())).isEqualTo(orEmpty(pod.getSpec().getTolerations()));
    // the placement's annotations (ECI specs) reach both; the pod's version stamps are the dedicated mode's own
    var podAnnotations = new java.util.HashMap<>(orEmpty(pod.getMetadata().getAnnotations()));
    podAnnotations.keySet().removeAll(java.util.Set.of(PodTemplateVersion.GENERATION, PodTemplateVersion.PARTS));
    assertThat(orEmpty(revision.getMetadata().getAnnotations())).isEqualTo(podAnnotations);
    assertThat(revision.getMetadata().getLabels().get(PodPlacement.ECI_LABEL))
        .isEqualTo(pod.getMetadata().getLabels().get(PodPlacement.ECI_LABEL));
  }

  private static <K, V> java.util.Map<K, V> orEmpty(java.util.Map<K, V> map) {
    return map == null ? java.util.Map.of() : map;
  }

  private static <T> java.util.List<T> orEmpty(java.util.List<T> list) {
    return list == null ? java.util.List.of() : list;
  }

  @Test
  void everySharedFieldMapsToItsKnativeKeyAndUnsetFieldsAreLeftOut() {
    AigcTemplate template = GameServerSetRendererTest.example("stable-diffusion-cpu");
    SharedSpec shared = new SharedSpec();
    template.getSpec().setShared(shared);
    Service bare = KnativeServiceRenderer.render(template);
    assertThat(bare.getSpec().getTemplate().getMetadata().getAnnotations()).isNull();
    assertThat(bare.getSpec().getTemplate().getSpec().getContainerConcurrency()).isNull();
    assertThat(bare.getSpec().getTemplate().getSpec().getTimeoutSeconds()).isNull();
    assertThat(bare.getMetadata().getAnnotations()).doesNotContainKey(KnativeServiceRenderer.ACK_AFFINITY);

    shared.setContainerConcurrency(4);
    shared.setMinScale(1);
    shared.setMaxScale(8);
    shared.setTargetUtilizationPercentage(70);
    shared.setAutoscalingClass("hpa.autoscaling.knative.dev");
    shared.setTimeoutSeconds(600);
    SessionAffinitySpec affinity = new SessionAffinitySpec();
    affinity.setCookieName("route");
    shared.setSessionAffinity(affinity);
    Service full = KnativeServiceRenderer.render(template);
    assertThat(full.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("autoscaling.knative.dev/class", "hpa.autoscaling.knative.dev")
        .containsEntry("autoscaling.knative.dev/min-scale", "1")
        .containsEntry("autoscaling.knative.dev/max-scale", "8")
        .containsEntry("autoscaling.knative.dev/target-utilization-percentage", "70");
    assertThat(full.getSpec().getTemplate().getSpec().getContainerConcurrency()).isEqualTo(4L);
    assertThat(full.getSpec().getTemplate().getSpec().getTimeoutSeconds()).isEqualTo(600L);
    assertThat(full.getMetadata().getAnnotations())
        .containsEntry(KnativeServiceRenderer.ACK_AFFINITY, "cookie")
        .containsEntry(KnativeServiceRenderer.ACK_COOKIE_NAME, "route")
        .doesNotContainKey(KnativeServiceRenderer.ACK_COOKIE_TIMEOUT);
  }
}
