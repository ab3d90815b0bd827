package dev.aigc.operator.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigc.operator.sandbox.ApiResource.Column;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kubectl get's Table, with cells as the API server renders printer columns. */
class TableViewTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void cellsFollowTheColumnTypesAndMissingValuesAreNull() throws Exception {
    JsonNode template = JSON.readTree("""
        {"metadata": {"name": "sd", "namespace": "default", "creationTimestamp": "2025-01-01T00:00:00Z"},
         "status": {"instances": 2, "modes": "dedicated",
           "conditions": [{"type": "Reconciling", "status": "False"}, {"type": "Ready", "status": "True"}]}}""");
    List<Column> columns = List.of(Column.nameColumn(), Column.ageColumn(),
        Column.of("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status"),
        Column.of("Instances", "integer", ".status.instances"), Column.of("URL", "string", ".status.url"));
    Clock clock = Clock.fixed(Instant.parse("2025-01-01T00:03:20Z"), ZoneOffset.UTC);

    JsonNode table = new TableView(clock).table(columns, List.of(template), "42", null);

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("metadata").path("resourceVersion").asText()).isEqualTo("42");
    assertThat(table.path("columnDefinitions").findValuesAsText("name")).containsExactly("Name", "Age", "Ready", "Instances", "URL");
    assertThat(table.path("rows").get(0).path("cells").toString()).isEqualTo("[\"sd\",\"3m20s\",\"True\",2,null]");
    assertThat(table.path("rows").get(0).path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(new TableView(clock).table(columns, List.of(template), null, "None").path("rows").get(0).has("object")).isFalse();
  }

  @Test
  void agesReadAsKubectlPrintsThem() {
    Map<Duration, String> ages = Map.of(Duration.ofSeconds(5), "5s", Duration.ofSeconds(119), "119s",
        Duration.ofSeconds(200), "3m20s", Duration.ofMinutes(40), "40m", Duration.ofMinutes(310), "5h10m",
        Duration.ofHours(30), "30h", Duration.ofHours(76), "3d4h", Duration.ofDays(30), "30d", Duration.ofDays(800), "2y70d");
    ages.forEach((age, printed) -> assertThat(HumanDuration.of(age)).as(age.toString()).isEqualTo(printed));
  }
}
