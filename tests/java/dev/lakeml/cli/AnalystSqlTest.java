package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.catalog.AnalystFixtures;
import dev.lakeml.delta.Lakehouse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnalystSqlTest {
  static Lakehouse lh;

  @BeforeAll
  static void setUp() {
    lh = AnalystFixtures.lakehouse();
  }

  private static String run(String sql, String format) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Sql.print(lh, sql, format, 100, new PrintStream(b, true, StandardCharsets.UTF_8));
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test
  void queriesGoldByNameWithAndWithoutTimeTravel() {
    assertEquals("n\n4\n", run("SELECT count(*) AS n FROM gold.flight_features", "csv"));
    assertEquals("n\n3\n", run("SELECT count(*) AS n FROM gold.flight_features VERSION AS OF 0", "csv"));
    String diff = run("SELECT id FROM gold.flight_features EXCEPT SELECT id FROM gold.flight_features VERSION AS OF 0", "json");
    assertEquals("{\"id\":4}\n", diff);
  }

  @Test
  void aScriptRunsEveryStatementInOrder() {
    String out = run("-- two queries; one file\nSELECT 1 AS a;\nSELECT 'x;y' AS b; ", "csv");
    assertEquals("a\n1\nb\nx;y\n", out);
    assertEquals(List.of("SELECT 1", "SELECT '--;'"), Sql.statements("SELECT 1; SELECT '--;' -- a comment; not a statement"));
  }

  @Test
  void aMissingVersionNamesTheEarliestVersionStillKept() {
    LakemlException e = assertThrows(LakemlException.class, () -> run("SELECT * FROM gold.flight_features VERSION AS OF 7", "csv"));
    long latest = lh.latestVersion(AnalystFixtures.FEATURES);
    assertEquals(
        "Cannot read table gold.flight_features at version 7: the earliest version still kept is 0 and the latest is " + latest
            + ". Use VERSION AS OF 0 to " + latest + "; ./scripts/lakeml history gold.flight_features lists them.",
        e.getMessage());
  }

  @Test
  void aMissingTableListsTheTablesOfItsLayer() {
    LakemlException e = assertThrows(LakemlException.class, () -> run("SELECT * FROM gold.flight_featurez", "csv"));
    assertTrue(e.getMessage().startsWith("Cannot read table gold.flight_featurez: it is not in the catalog of lakehouse "), e.getMessage());
    assertTrue(e.getMessage().contains("Tables and views in gold: gold.flight_delay_predictions, gold.flight_features"), e.getMessage());
  }
}
