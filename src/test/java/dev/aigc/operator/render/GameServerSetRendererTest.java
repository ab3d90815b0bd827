package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Template + allocation + settings in, GameServerSet out: golden files per compute profile. */
class GameServerSetRendererTest {
  static final OperatorSettings SETTINGS = new OperatorSettings(Set.of(),
      "http://aigc-gateway.aigc-system.svc.cluster.local:8080/auth", "https://aigc.example.com/sign-in");

  static AigcTemplate example(String name) {
    try (InputStream in = Files.newInputStream(Path.of("examples", name + ".yaml"))) {
      AigcTemplate template = Serialization.unmarshal(in, AigcTemplate.class);
      template.getMetadata().setNamespace("default");
      return template;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"stable-diffusion-cpu", "stable-diffusion-gpu", "stable-diffusion-gpu-share",
      "stable-diffusion-eci-cpu", "stable-diffusion-eci-gpu"})
  void eachComputeProfileRendersToItsGoldenGameServerSet(String template) throws IOException {
    GameServerSet gss = GameServerSetRenderer.render(example(template), Allocation.empty(), SETTINGS);
    Golden.assertMatches(template + ".gss.yaml", gss);
  }

  @Test
  void theSeedTemplateRendersToWhatAdminsWroteByHand() throws IOException {
    GameServerSet gss = GameServerSetRenderer.render(example("stable-diffusion-cpu"), Allocation.empty(), SETTINGS);
    JsonNode rendered = Golden.YAML.valueToTree(gss);
    JsonNode handwritten = Golden.read(Path.of("src/test/resources/handwritten/stable-diffusion-cpu.gss.yaml"));
    // deliberately different: the hand-written rolling update restarts every user at each template
    // change; the default upgrade policy (OnRestart) leaves running pods alone
    ((com.fasterxml.jackson.databind.node.ObjectNode) handwritten.path("spec")).remove("updateStrategy");
    assertThat(ObjectDrift.isSubset(handwritten, rendered))
        .as("every field of the hand-written GameServerSet is rendered with the same value:%n%s", Golden.YAML.writeValueAsString(rendered))
        .isTrue();
  }

  @Test
  void gpuProfileAsksForWholeGpusAsLimitsAndCpuAndMemoryAsRequestsAndLimits() {
    Container c = container(GameServerSetRenderer.render(example("stable-diffusion-gpu"), Allocation.empty(), SETTINGS));
    assertThat(c.getResources().getLimits()).containsKeys("nvidia.com/gpu", "cpu", "memory");
    assertThat(c.getResources().getLimits().get("nvidia.com/gpu").toString()).isEqualTo("1");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory").doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void sharedGpuProfileAsksForGpuMemory() {
    Container c = container(GameServerSetRenderer.render(example("stable-diffusion-gpu-share"), Allocation.empty(), SETTINGS));
    assertThat(c.getResources().getLimits().get("aliyun.com/gpu-mem").toString()).isEqualTo("3");
  }

  @Test
  void eciProfileLabelsThePodAndNamesTheInstanceTypes() {
    GameServerSet gss = GameServerSetRenderer.render(example("stable-diffusion-eci-gpu"), Allocation.empty(), SETTINGS);
    var meta = gss.getSpec().getGameServerTemplate().getMetadata();
    assertThat(meta.getLabels()).containsEntry("alibabacloud.com/eci", "true");
    assertThat(meta.getAnnotations()).containsEntry("k8s.aliyun.com/eci-use-specs", "ecs.gn7i-c8g1.2xlarge,ecs.gn6i-c4g1.xlarge");
  }

  @Test
  void replicasAndReserveIdsFollowTheAllocation() {
    Allocation allocation = IdAllocator.allocate(List.of(
        new InstanceClaim("a", "a", "alice", "2026-01-01T00:00:00Z", false, true, 0),
        new InstanceClaim("b", "b", "bob", "2026-01-01T00:00:01Z", false, false, 1),
        new InstanceClaim("c", "c", "carol", "2026-01-01T00:00:02Z", false, true, 2),
        new InstanceClaim("d", "d", "dave", "2026-01-01T00:00:03Z", false, false, 5)), List.of(), true);
    GameServerSet gss = GameServerSetRenderer.render(example("stable-diffusion-cpu"), allocation, SETTINGS);
    assertThat(gss.getSpec().getReplicas()).isEqualTo(2);
    assertThat(gss.getSpec().getReserveGameServerIds()).extracting(IntOrString::getIntVal).containsExactly(1, 3, 4, 5);
    assertThat(gss.getMetadata().getAnnotations()).as("the ID record lives on the disks, not here")
        .doesNotContainKey("aigc.dev/instance-ids");
  }

  @Test
  void withoutGatewayUrlsNoAuthAnnotationsAreWritten() {
    GameServerSet gss = GameServerSetRenderer.render(example("stable-diffusion-cpu"), Allocation.empty(), OperatorSettings.defaults());
    assertThat(gss.getSpec().getNetwork().getNetworkConf()).noneMatch(p -> p.value().contains("auth-url"));
  }

  /** ingress-nginx's URLWithNginxVariableRegex (internal/ingress/annotations/parser/validators.go), which auth-url must pass. */
  static final String INGRESS_NGINX_AUTH_URL = "^[\\-\\._~a-zA-Z0-9/:, ,:?&=$]*$";

  @Test
  void theAuthUrlCarriesTheHostNginxRoutedToWithinTheCharactersIngressNginxAllows() {
    var conf = GameServerSetRenderer.render(example("stable-diffusion-cpu"), Allocation.empty(), SETTINGS).getSpec().getNetwork().getNetworkConf();
    String authUrl = "http://aigc-gateway.aigc-system.svc.cluster.local:8080/auth?host=$server_name";
    assertThat(conf).contains(new dev.aigc.operator.okg.Network.NetworkConfParam("Annotation", GameServerSetRenderer.AUTH_URL + ": " + authUrl));
    assertThat(authUrl).matches(INGRESS_NGINX_AUTH_URL);
    assertThat(GameServerSetRenderer.authUrl("http://gw:8080/auth?tenant=a")).isEqualTo("http://gw:8080/auth?tenant=a&host=$server_name");
    // a second host would make the gateway refuse every request: refused when the operator starts
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new OperatorSettings(Set.of(), "http://gw:8080/auth?host=$host", null))
        .hasMessageContaining("host parameter");
  }

  @Test
  void aTemplateCannotOverrideTheGatewayAuthAnnotations() {
    AigcTemplate template = example("stable-diffusion-cpu");
    template.getSpec().getDedicated().getIngress().setAnnotations(Map.of(
        "nginx.ingress.kubernetes.io/auth-url", "http://evil.example.com/allow-all",
        "nginx.ingress.kubernetes.io/proxy-read-timeout", "600"));
    var conf = GameServerSetRenderer.render(template, Allocation.empty(), SETTINGS).getSpec().getNetwork().getNetworkConf();
    assertThat(conf).noneMatch(p -> p.value().contains("evil.example.com"));
    assertThat(conf).anyMatch(p -> p.value().equals("nginx.ingress.kubernetes.io/proxy-read-timeout: 600"));
  }

  static AigcTemplate idling(String name) {
    AigcTemplate template = example(name);
    var idle = new dev.aigc.operator.api.IdleSpec();
    idle.setSuspendAfter("30m");
    template.getSpec().getDedicated().setIdle(idle);
    return template;
  }

  static final OperatorSettings WITH_GATEWAY_SERVICE = SETTINGS.withGatewayService("aigc-system/aigc-gateway");

  @Test
  void anIdlingTemplateKeepsEachIdsIngressAndHandsItsServiceUnavailableToTheWakeService() throws IOException {
    GameServerSet gss = GameServerSetRenderer.render(idling("stable-diffusion-cpu"), Allocation.empty(), WITH_GATEWAY_SERVICE);
    Golden.assertMatches("stable-diffusion-cpu-idle.gss.yaml", gss);
    assertThat(gss.getSpec().getNetwork().getNetworkConf()).contains(
        new dev.aigc.operator.okg.Network.NetworkConfParam("Fixed", "true"),
        new dev.aigc.operator.okg.Network.NetworkConfParam("Annotation", "nginx.ingress.kubernetes.io/custom-http-errors: 503"),
        new dev.aigc.operator.okg.Network.NetworkConfParam("Annotation",
            "nginx.ingress.kubernetes.io/default-backend: stable-diffusion-cpu-wake"));
  }

  @Test
  void withoutTheGatewayServiceAnIdlingTemplateKeepsItsIngressesButNamesNoDefaultBackend() {
    var conf = GameServerSetRenderer.render(idling("stable-diffusion-cpu"), Allocation.empty(), SETTINGS).getSpec().getNetwork().getNetworkConf();
    assertThat(conf).contains(new dev.aigc.operator.okg.Network.NetworkConfParam("Fixed", "true"));
    assertThat(conf).noneMatch(p -> p.value().contains("default-backend") || p.value().contains("custom-http-errors"));
  }

  @Test
  void aTemplateWithoutIdleIsNotFixedWhateverTheSettings() {
    var conf = GameServerSetRenderer.render(example("stable-diffusion-cpu"), Allocation.empty(), WITH_GATEWAY_SERVICE)
        .getSpec().getNetwork().getNetworkConf();
    assertThat(conf).noneMatch(p -> p.name().equals("Fixed") || p.value().contains("default-backend"));
  }

  @Test
  void aTemplateCannotOverrideTheWakeAnnotations() {
    AigcTemplate template = idling("stable-diffusion-cpu");
    template.getSpec().getDedicated().getIngress().setAnnotations(Map.of(
        "nginx.ingress.kubernetes.io/default-backend", "evil",
        "nginx.ingress.kubernetes.io/custom-http-errors", "404,503"));
    var conf = GameServerSetRenderer.render(template, Allocation.empty(), WITH_GATEWAY_SERVICE).getSpec().getNetwork().getNetworkConf();
    assertThat(conf).filteredOn(p -> p.value().startsWith("nginx.ingress.kubernetes.io/default-backend:"))
        .extracting(p -> p.value()).containsExactly("nginx.ingress.kubernetes.io/default-backend: stable-diffusion-cpu-wake");
    assertThat(conf).filteredOn(p -> p.value().startsWith("nginx.ingress.kubernetes.io/custom-http-errors:"))
        .extracting(p -> p.value()).containsExactly("nginx.ingress.kubernetes.io/custom-http-errors: 503");
  }

  @Test
  void theWakeServiceNameIsADnsLabelForEveryTemplateName() {
    assertThat(Names.wakeService("stable-diffusion-cpu")).isEqualTo("stable-diffusion-cpu-wake");
    String longName = "a".repeat(60);
    String dotted = "sd.v1";
    for (String name : List.of(longName, dotted, "a".repeat(253), "a".repeat(59))) {
      assertThat(Names.wakeService(name)).matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    }
    assertThat(Names.wakeService(longName)).isNotEqualTo(Names.wakeService("a".repeat(61)));
    assertThat(Names.wakeService("sd.v1")).isNotEqualTo(Names.wakeService("sd-v1"));
  }

  @Test
  void tlsNamesTheWildcardThatCoversEveryInstanceHost() {
    var conf = GameServerSetRenderer.render(example("stable-diffusion-gpu"), Allocation.empty(), SETTINGS).getSpec().getNetwork().getNetworkConf();
    assertThat(conf).contains(new dev.aigc.operator.okg.Network.NetworkConfParam("TlsSecretName", "example-com-wildcard"),
        new dev.aigc.operator.okg.Network.NetworkConfParam("TlsHosts", "*.example.com"));
  }

  @Test
  void ownerReferencePointsAtTheTemplateWhenItHasAUid() {
    AigcTemplate template = example("stable-diffusion-cpu");
    template.getMetadata().setUid("1234");
    var refs = GameServerSetRenderer.render(template, Allocation.empty(), SETTINGS).getMetadata().getOwnerReferences();
    assertThat(refs).singleElement().satisfies(r -> {
      assertThat(r.getKind()).isEqualTo("AigcTemplate");
      assertThat(r.getUid()).isEqualTo("1234");
      assertThat(r.getController()).isTrue();
    });
  }

  private static Container container(GameServerSet gss) {
    return gss.getSpec().getGameServerTemplate().getSpec().getContainers().get(0);
  }

}
