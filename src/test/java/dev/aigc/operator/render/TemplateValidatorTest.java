package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.SessionAffinitySpec;
import dev.aigc.operator.api.SharedSpec;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-style: each row breaks one rule of a valid template and names the field it expects. */
class TemplateValidatorTest {

  @Test
  void everyExampleIsValid() {
    for (String name : new String[] {"stable-diffusion-cpu", "stable-diffusion-gpu", "stable-diffusion-gpu-share",
        "stable-diffusion-eci-cpu", "stable-diffusion-eci-gpu", "idle-demo"}) {
      assertThat(TemplateValidator.validate(GameServerSetRendererTest.example(name))).as(name).isEmpty();
    }
  }

  static Stream<Arguments> brokenTemplates() {
    return Stream.of(
        row("metadata.name", t -> t.getMetadata().setName("x".repeat(53))),
        row("metadata.name", t -> t.getMetadata().setName("Upper_Case")),
        row("spec.app", t -> t.getSpec().setApp(null)),
        row("spec.app.image", t -> t.getSpec().getApp().setImage(" ")),
        row("spec.app.port", t -> t.getSpec().getApp().setPort(70000)),
        row("spec.compute.cpu", t -> { t.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec()); t.getSpec().getCompute().setCpu("two"); }),
        row("spec.compute.memory", t -> { t.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec()); t.getSpec().getCompute().setMemory("4GB"); }),
        row("spec.compute.requests.cpu", t -> {
          t.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec());
          t.getSpec().getCompute().setCpu("500m");
          t.getSpec().getCompute().setRequests(new dev.aigc.operator.api.RequestsSpec());
          t.getSpec().getCompute().getRequests().setCpu("1"); }),
        row("spec.compute.requests.memory", t -> {
          t.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec());
          t.getSpec().getCompute().setMemory("4Gi");
          t.getSpec().getCompute().setRequests(new dev.aigc.operator.api.RequestsSpec());
          t.getSpec().getCompute().getRequests().setMemory("5000Mi"); }),
        row("spec.compute.gpu", t -> { t.getSpec().setCompute(new dev.aigc.operator.api.ComputeSpec()); t.getSpec().getCompute().setGpu(-1); }),
        row("spec", t -> t.getSpec().setDedicated(null)),
        row("spec.dedicated.storage", t -> t.getSpec().getDedicated().setStorage(null)),
        row("spec.dedicated.storage.size", t -> t.getSpec().getDedicated().getStorage().setSize("lots")),
        row("spec.dedicated.storage.mountPath", t -> t.getSpec().getDedicated().getStorage().setMountPath("data")),
        row("spec.dedicated.ingress.host", t -> t.getSpec().getDedicated().getIngress().setHost("instances.example.com")),
        row("spec.dedicated.ingress.host", t -> t.getSpec().getDedicated().getIngress().setHost("a<id>-<id>.example.com")),
        row("spec.dedicated.ingress.host", t -> t.getSpec().getDedicated().getIngress().setHost("Instances<id>.example.com")),
        row("spec.dedicated.ingress.path", t -> t.getSpec().getDedicated().getIngress().setPath("sd")),
        row("spec.dedicated.ingress.annotations[x]", t -> t.getSpec().getDedicated().getIngress().setAnnotations(Map.of("x", "a: b"))),
        row("spec.dedicated.idle.suspendAfter", t -> idle(t, "30s", null, null)),
        row("spec.dedicated.idle.suspendAfter", t -> idle(t, null, null, null)),
        row("spec.dedicated.idle.minSuspendAfter", t -> idle(t, "30m", "59s", null)),
        row("spec.dedicated.idle.minSuspendAfter", t -> idle(t, "30m", "1h", null)),
        row("spec.dedicated.idle.maxSuspendAfter", t -> idle(t, "30m", null, "10m")),
        row("spec.shared.containerConcurrency", t -> shared(t).setContainerConcurrency(1001)),
        row("spec.shared.minScale", t -> { shared(t).setMinScale(5); shared(t).setMaxScale(2); }),
        row("spec.shared.timeoutSeconds", t -> shared(t).setTimeoutSeconds(601)),
        row("spec.shared.targetUtilizationPercentage", t -> shared(t).setTargetUtilizationPercentage(0)),
        row("spec.shared.sessionAffinity.timeoutSeconds", t -> {
          SessionAffinitySpec s = new SessionAffinitySpec();
          s.setCookieName("sd");
          s.setTimeoutSeconds(0);
          shared(t).setSessionAffinity(s);
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenTemplates")
  void brokenTemplatesAreRejectedNamingTheField(String field, Consumer<AigcTemplate> breakIt) {
    AigcTemplate template = GameServerSetRendererTest.example("stable-diffusion-cpu");
    breakIt.accept(template);
    assertThat(TemplateValidator.validate(template)).extracting(FieldError::field).contains(field);
  }

  @Test
  void maxScaleZeroMeansUnlimitedSoAnyMinScaleIsFine() {
    AigcTemplate template = GameServerSetRendererTest.example("stable-diffusion-cpu");
    shared(template).setMinScale(3);
    shared(template).setMaxScale(0);
    assertThat(TemplateValidator.validate(template)).isEmpty();
  }

  @Test
  void anIdlePolicyOfAMinuteWithBoundsAroundItIsValid() {
    AigcTemplate template = GameServerSetRendererTest.example("stable-diffusion-cpu");
    idle(template, "1m", "1m", "1d");
    assertThat(TemplateValidator.validate(template)).isEmpty();
    idle(template, "30m", null, null);
    assertThat(TemplateValidator.validate(template)).isEmpty();
  }

  private static void idle(AigcTemplate t, String suspendAfter, String min, String max) {
    dev.aigc.operator.api.IdleSpec idle = new dev.aigc.operator.api.IdleSpec();
    idle.setSuspendAfter(suspendAfter);
    idle.setMinSuspendAfter(min);
    idle.setMaxSuspendAfter(max);
    t.getSpec().getDedicated().setIdle(idle);
  }

  private static SharedSpec shared(AigcTemplate t) {
    if (t.getSpec().getShared() == null) t.getSpec().setShared(new SharedSpec());
    return t.getSpec().getShared();
  }

  private static Arguments row(String field, Consumer<AigcTemplate> breakIt) {
    return Arguments.of(field, breakIt);
  }
}
