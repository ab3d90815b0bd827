package dev.aigc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderCommandTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  @TempDir Path dir;

  record Result(int status, String out, String err) {
    List<JsonNode> documents() throws IOException {
      List<JsonNode> docs = new ArrayList<>();
      try (var parser = YAML.getFactory().createParser(out)) {
        YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
      }
      return docs;
    }
  }

  static Result render(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("render"));
    all.addAll(List.of(args));
    int status = Main.execute(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void theSeedTemplateRendersToItsGoldenGameServerSet() throws IOException {
    Result r = render("-f", "examples/stable-diffusion-cpu.yaml");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.documents()).singleElement()
        .isEqualTo(YAML.readTree(Path.of("src/test/resources/golden/stable-diffusion-cpu.gss.yaml").toFile()));
  }

  @Test
  void theSeedSharedTemplateRendersToItsKnativeService() throws IOException {
    Result r = render("-f", "examples/stable-diffusion-shared.yaml");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.documents()).singleElement()
        .isEqualTo(YAML.readTree(Path.of("src/test/resources/golden/stable-diffusion-shared.ksvc.yaml").toFile()));
  }

  @Test
  void instancesInTheInputSetReplicasAndReserveIds() throws IOException {
    Result r = render("-f", "examples/stable-diffusion-cpu.yaml", "examples/instances.yaml");
    assertThat(r.status()).as(r.err()).isZero();
    JsonNode gss = r.documents().get(0);
    assertThat(gss.at("/spec/replicas").asInt()).isEqualTo(1);
    assertThat(gss.at("/spec/reserveGameServerIds").toString()).isEqualTo("[1]");
    assertThat(disksIn(r)).containsExactly(
        "user-data-stable-diffusion-cpu-0=alice-sd-cpu", "user-data-stable-diffusion-cpu-1=bob-sd-cpu");
  }

  @Test
  void aTemplateQuotaRendersOnlyTheFirstComeInstancesAsRunning() throws IOException {
    Path input = dir.resolve("quota.yaml");
    Files.writeString(input, Files.readString(Path.of("examples/quotas.yaml")) + """
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: alice-1}
        spec: {template: stable-diffusion-gpu-quota, owner: alice}
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: alice-2}
        spec: {template: stable-diffusion-gpu-quota, owner: alice}
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: bob-1}
        spec: {template: stable-diffusion-gpu-quota, owner: bob}
        """);
    Result r = render("-f", input.toString());
    assertThat(r.status()).as(r.err()).isZero();
    // maxPerUser 1: alice's second instance waits, gets no ID and no disk
    assertThat(r.documents().get(0).at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(disksIn(r)).extracting(d -> d.substring(d.indexOf('=') + 1)).containsExactly("alice-1", "bob-1");
  }

  /** The disks the operator would create, as name=instance: they are the ID record. */
  private static List<String> disksIn(Result r) throws IOException {
    return r.documents().stream().filter(d -> "PersistentVolumeClaim".equals(d.at("/kind").asText()))
        .map(d -> d.at("/metadata/name").asText() + "=" + d.at("/metadata/annotations/aigc.dev~1instance").asText())
        .toList();
  }

  @Test
  void aDirectoryRendersEveryTemplateInIt() throws IOException {
    Result r = render("-f", "examples");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.documents()).extracting(d -> d.at("/metadata/name").asText())
        .contains("stable-diffusion-cpu", "stable-diffusion-gpu", "stable-diffusion-eci-gpu");
  }

  @Test
  void anExistingInstanceIdIsKeptAndOthersFollowCreationTime() throws IOException {
    Path input = dir.resolve("in.yaml");
    Files.writeString(input, Files.readString(Path.of("examples/stable-diffusion-cpu.yaml")) + """
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: late, creationTimestamp: "2026-01-03T00:00:00Z"}
        spec: {template: stable-diffusion-cpu, owner: late}
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: early, creationTimestamp: "2026-01-01T00:00:00Z"}
        spec: {template: stable-diffusion-cpu, owner: early}
        ---
        apiVersion: aigc.dev/v1alpha1
        kind: AigcInstance
        metadata: {name: kept, creationTimestamp: "2026-01-02T00:00:00Z"}
        spec: {template: stable-diffusion-cpu, owner: kept}
        status: {instanceId: 4}
        """);
    Result r = render("-f", input.toString());
    assertThat(r.status()).as(r.err()).isZero();
    JsonNode gss = r.documents().get(0);
    assertThat(disksIn(r)).containsExactly("user-data-stable-diffusion-cpu-4=kept",
        "user-data-stable-diffusion-cpu-0=early", "user-data-stable-diffusion-cpu-1=late");
    assertThat(gss.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(gss.at("/spec/reserveGameServerIds").toString()).isEqualTo("[2,3]");
  }

  @Test
  void aBrokenTemplateExitsTwoNamingFileObjectAndField() throws IOException {
    Path input = dir.resolve("broken.yaml");
    Files.writeString(input, Files.readString(Path.of("examples/stable-diffusion-cpu.yaml"))
        .replace("instances<id>-cpu.example.com", "instances-cpu.example.com"));
    Result r = render("-f", input.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(input.toString()).contains("AigcTemplate/stable-diffusion-cpu").contains("spec.dedicated.ingress.host");
  }

  @Test
  void anUnknownFieldOrEnumValueExitsTwoNamingTheField() throws IOException {
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, Files.readString(Path.of("examples/stable-diffusion-cpu.yaml")).replace("storageClassName:", "storageClass:"));
    Result r = render("-f", typo.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("spec.dedicated.storage.storageClass");

    Path badEnum = dir.resolve("enum.yaml");
    Files.writeString(badEnum, Files.readString(Path.of("examples/instances.yaml")).replace("state: Stopped", "state: Paused"));
    r = render("-f", "examples/stable-diffusion-cpu.yaml", badEnum.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("AigcInstance/bob-sd-cpu").contains("spec.state");
  }

  @Test
  void anInstanceOfATemplateNotInTheInputExitsTwo() {
    Result r = render("-f", "examples/instances.yaml");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("AigcInstance/alice-sd-cpu").contains("spec.template");
  }

  @Test
  void aMissingFileOrInvalidYamlExitsTwo() throws IOException {
    assertThat(render("-f", dir.resolve("nope.yaml").toString()).status()).isEqualTo(2);
    Path garbage = dir.resolve("garbage.yaml");
    Files.writeString(garbage, "kind: [unclosed");
    Result r = render("-f", garbage.toString());
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains(garbage.toString());
  }

  @Test
  void runRefusesToStartWithoutGatewayUrls() {
    StringWriter err = new StringWriter();
    int status = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "run");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--gateway-auth-url");
  }
}
