package dev.aigc.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubectl get shows the columns in the order the model declares them, AGE last, not the generator's JSONPath order. */
class PrinterColumnOrderTest {
  private static final String GENERATED = """
      spec:
        versions:
        - additionalPrinterColumns:
          - jsonPath: ".metadata.creationTimestamp"
            name: "Age"
            type: "date"
          - jsonPath: ".status.conditions[?(@.type==\\"Ready\\")].status"
            name: "Ready"
            type: "string"
          - jsonPath: ".status.modes"
            name: "Modes"
            type: "string"
          name: "v1alpha1"
      """;

  @Test
  void columnsMoveWholeIntoTheDeclaredOrderAndNothingElseChanges() {
    String reordered = PrinterColumnOrder.reorder(GENERATED, List.of("Modes", "Ready", "Age"));
    assertThat(reordered).isEqualTo("""
        spec:
          versions:
          - additionalPrinterColumns:
            - jsonPath: ".status.modes"
              name: "Modes"
              type: "string"
            - jsonPath: ".status.conditions[?(@.type==\\"Ready\\")].status"
              name: "Ready"
              type: "string"
            - jsonPath: ".metadata.creationTimestamp"
              name: "Age"
              type: "date"
            name: "v1alpha1"
        """);
    assertThat(PrinterColumnOrder.reorder(reordered, List.of("Modes", "Ready", "Age"))).isEqualTo(reordered);
  }

  @Test
  void aColumnTheModelDoesNotDeclareFailsTheBuild() {
    assertThatThrownBy(() -> PrinterColumnOrder.reorder(GENERATED, List.of("Modes", "Age")))
        .hasMessageContaining("Ready");
  }

  @Test
  void theCommittedCrdsListColumnsAsTheModelDeclaresThem() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    for (Class<?> model : List.of(AigcTemplate.class, AigcInstance.class, dev.aigc.operator.api.AigcQuota.class)) {
      String plural = model.getSimpleName().toLowerCase() + "s";
      JsonNode crd = yaml.readTree(Files.readString(Path.of("crds", plural + ".aigc.dev-v1.yml")));
      List<String> columns = new ArrayList<>();
      crd.at("/spec/versions/0/additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText()));
      assertThat(columns).as(plural).isEqualTo(Arrays.stream(model.getAnnotationsByType(AdditionalPrinterColumn.class))
          .map(AdditionalPrinterColumn::name).toList()).last().isEqualTo("Age");
    }
  }
}
