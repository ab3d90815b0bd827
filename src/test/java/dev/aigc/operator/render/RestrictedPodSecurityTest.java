package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The restricted Pod Security profile (Kubernetes "Pod Security Standards"), checked on what both
 * renderers produce: every template gets the profile's container settings by default; runAsNonRoot
 * is the template's promise, which the restricted example makes.
 */
class RestrictedPodSecurityTest {

  /** What the restricted profile refuses in a pod, as its rules read. */
  static List<String> violations(PodSecurityContext pod, List<Container> containers, boolean hostAccess) {
    List<String> v = new ArrayList<>();
    if (hostAccess) v.add("host namespaces or paths");
    boolean podNonRoot = pod != null && Boolean.TRUE.equals(pod.getRunAsNonRoot());
    String podSeccomp = pod == null || pod.getSeccompProfile() == null ? null : pod.getSeccompProfile().getType();
    for (Container c : containers) {
      var sc = c.getSecurityContext();
      if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) v.add(c.getName() + ": allowPrivilegeEscalation");
      if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) v.add(c.getName() + ": privileged");
      if (sc == null || sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
          || !sc.getCapabilities().getDrop().contains("ALL")) v.add(c.getName() + ": capabilities.drop ALL");
      if (sc != null && sc.getCapabilities() != null && sc.getCapabilities().getAdd() != null
          && sc.getCapabilities().getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) v.add(c.getName() + ": capabilities.add");
      String seccomp = sc == null || sc.getSeccompProfile() == null ? podSeccomp : sc.getSeccompProfile().getType();
      if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) v.add(c.getName() + ": seccompProfile");
      boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : podNonRoot;
      if (!nonRoot) v.add(c.getName() + ": runAsNonRoot");
      Long user = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser() : pod == null ? null : pod.getRunAsUser();
      if (user != null && user == 0) v.add(c.getName() + ": runAsUser 0");
    }
    return v;
  }

  private static List<String> gameServerSetViolations(AigcTemplate t) {
    var pod = GameServerSetRenderer.render(t, Allocation.empty(), GameServerSetRendererTest.SETTINGS)
        .getSpec().getGameServerTemplate().getSpec();
    return violations(pod.getSecurityContext(), pod.getContainers(),
        Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID()) || Boolean.TRUE.equals(pod.getHostIPC()));
  }

  private static List<String> knativeViolations(AigcTemplate t) {
    var revision = KnativeServiceRenderer.render(t).getSpec().getTemplate().getSpec();
    return violations(revision.getSecurityContext(), revision.getContainers(), false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stable-diffusion-cpu", "stable-diffusion-gpu", "stable-diffusion-gpu-share",
      "stable-diffusion-eci-gpu", "stable-diffusion-eci-cpu"})
  void everyTemplateGetsTheProfilesContainerSettingsByDefault(String name) {
    AigcTemplate t = GameServerSetRendererTest.example(name);
    assertThat(gameServerSetViolations(t)).allMatch(v -> v.endsWith("runAsNonRoot"));
    if (t.getSpec().getShared() != null) assertThat(knativeViolations(t)).allMatch(v -> v.endsWith("runAsNonRoot"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"stable-diffusion-restricted"})
  void theRestrictedExamplePassesTheProfileInBothModes(String name) {
    AigcTemplate t = GameServerSetRendererTest.example(name);
    assertThat(gameServerSetViolations(t)).isEmpty();
    assertThat(knativeViolations(t)).isEmpty();
    var pod = GameServerSetRenderer.render(t, Allocation.empty(), GameServerSetRendererTest.SETTINGS)
        .getSpec().getGameServerTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("aigc-app");
    assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("yunqi-registry");
    var resources = pod.getContainers().get(0).getResources();
    assertThat(resources.getRequests().get("cpu").toString()).isEqualTo("1");
    assertThat(resources.getLimits().get("cpu").toString()).isEqualTo("2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"stable-diffusion-cpu"})
  void aTemplatesOwnSecurityContextWinsOverTheDefaultsFieldByField(String name) {
    AigcTemplate t = GameServerSetRendererTest.example(name);
    var own = new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
        .withNewCapabilities().withAdd("NET_BIND_SERVICE").endCapabilities().withReadOnlyRootFilesystem(true).build();
    t.getSpec().getApp().setSecurityContext(own);
    var sc = GameServerSetRenderer.render(t, Allocation.empty(), GameServerSetRendererTest.SETTINGS)
        .getSpec().getGameServerTemplate().getSpec().getContainers().get(0).getSecurityContext();
    assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
  }
}
