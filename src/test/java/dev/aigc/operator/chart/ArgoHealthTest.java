package dev.aigc.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcInstanceSpec;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.InstanceState;
import dev.aigc.operator.okg.GameServer;
import dev.aigc.operator.okg.GameServerStatus;
import dev.aigc.operator.render.InstanceFixtures;
import dev.aigc.operator.render.InstanceStatusRenderer;
import dev.aigc.operator.sim.SystemPrograms;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Argo CD health check we ship (deploy/argocd/health.lua), run by a real Lua 5.1 (Argo CD's
 * gopher-lua speaks 5.1) on statuses the operator's own renderer writes (DESIGN invariant 11).
 */
class ArgoHealthTest {
  private static final Path SCRIPT = Path.of("deploy/argocd/health.lua");
  private static final String T0 = "2026-11-24T10:00:00Z";

  @Test
  void theConfigMapPatchCarriesTheSameScriptForBothKinds() throws Exception {
    JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(Path.of("deploy/argocd/argocd-cm-patch.yaml").toFile());
    String script = Files.readString(SCRIPT).strip();
    assertThat(patch.at("/data/resource.customizations.health.aigc.dev_AigcTemplate").asText().strip()).isEqualTo(script);
    assertThat(patch.at("/data/resource.customizations.health.aigc.dev_AigcInstance").asText().strip()).isEqualTo(script);
  }

  @Test
  void instancesReadAsKstatusReadsThem() throws Exception {
    AigcTemplate template = template();
    assertThat(health(rendered(InstanceState.Running, template, gs("Ready")))).startsWith("Healthy");
    assertThat(health(rendered(InstanceState.Stopped, template, null))).as("a stopped instance that is stopped").startsWith("Healthy");
    assertThat(health(rendered(InstanceState.Running, template, gs("Creating")))).startsWith("Progressing");
    assertThat(health(rendered(InstanceState.Stopped, template, gs("Ready")))).startsWith("Progressing");
    assertThat(health(rendered(InstanceState.Running, template, gs("Crash")))).startsWith("Degraded").contains("Crash");
    assertThat(health(rendered(InstanceState.Running, null, null))).startsWith("Degraded").contains("TemplateNotFound");

    AigcInstance behind = rendered(InstanceState.Running, template, gs("Ready"));
    behind.getMetadata().setGeneration(4L);
    assertThat(health(behind)).as("a spec the operator has not seen yet").startsWith("Progressing");
    AigcInstance fresh = instance(InstanceState.Running);
    assertThat(health(fresh)).as("no status yet").startsWith("Progressing");
  }

  private static AigcTemplate template() throws Exception {
    try (var in = Files.newInputStream(Path.of("examples/stable-diffusion-cpu.yaml"))) {
      AigcTemplate t = Serialization.unmarshal(in, AigcTemplate.class);
      t.getMetadata().setNamespace("default");
      return t;
    }
  }

  private static AigcInstance instance(InstanceState state) {
    return InstanceFixtures.instance(state);
  }

  private static AigcInstance rendered(InstanceState state, AigcTemplate template, GameServer gs) {
    AigcInstance i = instance(state);
    i.setStatus(InstanceStatusRenderer.render(i, template, template == null ? null : 0, gs, null, T0));
    return i;
  }

  private static GameServer gs(String state) {
    return InstanceFixtures.gameServer(state);
  }

  /** "status: message" as Argo CD would show it. */
  private static String health(Object resource) throws Exception {
    Path lua = SystemPrograms.require("lua5.1", "lua5.1");
    String program = "obj = " + toLua(Serialization.jsonMapper().valueToTree(resource)) + "\n"
        + "local hs = (function()\n" + Files.readString(SCRIPT) + "\nend)()\n"
        + "print(hs.status .. ': ' .. (hs.message or ''))\n";
    Process p = new ProcessBuilder(lua.toString(), "-").redirectErrorStream(true).start();
    p.getOutputStream().write(program.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  /** A JSON value as a Lua table literal, as Argo CD hands objects to its scripts. */
  static String toLua(JsonNode node) {
    if (node.isObject()) {
      StringBuilder b = new StringBuilder("{");
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getValue().isNull()) b.append('[').append(quote(e.getKey())).append("]=").append(toLua(e.getValue())).append(',');
      }
      return b.append('}').toString();
    }
    if (node.isArray()) {
      StringBuilder b = new StringBuilder("{");
      node.forEach(v -> b.append(toLua(v)).append(','));
      return b.append('}').toString();
    }
    if (node.isTextual()) return quote(node.asText());
    if (node.isNull()) return "nil";
    return node.asText();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
