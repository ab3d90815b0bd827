package dev.aigc.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.config.LenientSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the operator reads from the API server it reads leniently ({@link LenientSerialization}); a file
 * a person edits and hands to {@code render -f} stays strict: a typo or a wrong type is an error that
 * names the field (unknown fields: {@link RenderCommandTest}).
 */
class RenderInputIsStrictTest {
  @TempDir Path dir;

  @Test
  void aWrongTypedFieldExitsTwoNamingItThoughTheOperatorWouldReadTheObject() throws IOException {
    String yaml = Files.readString(Path.of("examples/stable-diffusion-cpu.yaml")).replace("port: 7860", "port: abc");
    Path file = dir.resolve("port.yaml");
    Files.writeString(file, yaml);

    RenderCommandTest.Result r = RenderCommandTest.render("-f", file.toString());

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(file.toString()).contains("AigcTemplate/stable-diffusion-cpu").contains("spec.app.port");
    AigcTemplate read = new LenientSerialization().unmarshal(yaml, AigcTemplate.class);
    assertThat(read.getSpec().getApp().getPort()).isNull();
    assertThat(read.getSpec().getApp().getImage()).isNotBlank();
  }
}
