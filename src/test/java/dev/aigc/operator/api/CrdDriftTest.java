package dev.aigc.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed CRDs are exactly what the model generates: the build fails when they drift. */
class CrdDriftTest {
  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    Path generated = Path.of(System.getProperty("aigc.crds.generated", "target/crds"));
    Path committed = Path.of(System.getProperty("aigc.crds.committed", "crds"));
    try (Stream<Path> files = Files.list(generated)) {
      var names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertThat(names).isNotEmpty();
      try (Stream<Path> existing = Files.list(committed)) {
        assertThat(existing.map(p -> p.getFileName().toString()).sorted().toList())
            .as("crds/ holds exactly the generated CRDs").isEqualTo(names);
      }
      for (String name : names) {
        assertThat(Files.readString(committed.resolve(name)))
            .as("crds/%s drifted from the model; run ./mvnw -Pupdate-crds process-classes and commit it", name)
            .isEqualTo(Files.readString(generated.resolve(name)));
      }
    }
  }
}
