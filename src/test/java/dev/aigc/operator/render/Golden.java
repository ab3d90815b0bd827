package dev.aigc.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files: the expected objects, kept as YAML under src/test/resources/golden. After a
 * deliberate change, regenerate with {@code ./mvnw test -Dgolden.update=true} and review the diff.
 */
final class Golden {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final Path DIR = Path.of("src/test/resources/golden");

  private Golden() {}

  static void assertMatches(String name, Object actual) throws IOException {
    Path file = DIR.resolve(name);
    JsonNode actualTree = YAML.valueToTree(actual);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(DIR);
      Files.writeString(file, YAML.writeValueAsString(actualTree));
    }
    assertThat(file).as("golden file %s (create it with -Dgolden.update=true)", file).exists();
    JsonNode expected = YAML.readTree(file.toFile());
    assertThat(YAML.writeValueAsString(actualTree)).as("rendering differs from %s", file)
        .isEqualTo(YAML.writeValueAsString(expected));
  }

  static JsonNode read(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }
}
