package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.catalog.AnalystFixtures;
import dev.lakeml.delta.Lakehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ExportCommandTest {
  static Lakehouse lh;

  @BeforeAll
  static void setUp() {
    lh = AnalystFixtures.lakehouse();
  }

  @Test
  void exportsTheLatestRunAsCsvAndParquetWithAManifest() throws Exception {
    Path out = TestSpark.tempDir("export-");
    Map<String, Object> m = ExportCommand.export(lh, AnalystFixtures.PREDICTIONS, "latest", out.toString());
    Path folder = out.resolve("flight_delay_predictions/run_id=20010102T000000Z-bbbb");
    JsonNode manifest = new ObjectMapper().readTree(folder.resolve("manifest.json").toFile());
    assertEquals("20010102T000000Z-bbbb", manifest.get("run_id").asText());
    assertEquals(2, manifest.get("rows").asLong());
    assertEquals(lh.latestVersion(AnalystFixtures.PREDICTIONS), manifest.get("table_version").asLong());
    assertEquals(2, manifest.get("model").get("version").asInt());
    assertEquals("gold.flight_features", manifest.get("feature_table").get("name").asText());
    assertEquals(1, manifest.get("feature_table").get("version").asLong());
    assertEquals("2001-06-01", manifest.get("event_date_from").asText());
    assertEquals(2, manifest.get("files").size());
    assertEquals(m.get("rows"), manifest.get("rows").asLong());

    Path csv;
    try (Stream<Path> s = Files.list(folder.resolve("csv"))) {
      csv = s.filter(p -> p.toString().endsWith(".csv")).findFirst().orElseThrow();
    }
    List<String> lines = Files.readAllLines(csv);
    assertEquals("id,event_date,probability,prediction,model_name,model_version,feature_table,feature_table_version,run_id", lines.get(0));
    assertEquals("1,2001-06-01,0.4,0,flight_delay,2,gold.flight_features,1,20010102T000000Z-bbbb", lines.get(1));
    assertEquals(3, lines.size());
    assertEquals(2, lh.spark().read().parquet(folder.resolve("parquet").toString()).count());
  }

  @Test
  void anUnknownRunListsTheRunsWithPredictions() {
    LakemlException e = assertThrows(LakemlException.class, () -> ExportCommand.export(lh, AnalystFixtures.PREDICTIONS, "nope", "/tmp/unused"));
    assertTrue(e.getMessage().contains("Runs with predictions, newest first: 20010102T000000Z-bbbb, 20010101T000000Z-aaaa."), e.getMessage());
  }
}
