package dev.lakeml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.cli.Lakeml;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole flights pipeline through the real launcher, on the bundled sample (30,000 flights in
 * 708 API pages), run twice: the second run must change nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlightsPipelineEndToEndTest {
  Lakehouse lakehouse;
  SparkSession spark;
  String firstRun;

  @BeforeAll
  void runPipeline() {
    lakehouse = TestSpark.freshLakehouse();
    spark = lakehouse.spark();
    firstRun = launch("run");
  }

  String launch(String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--root", lakehouse.root(), "--env", "test"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Lakeml.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, "lakeml " + String.join(" ", args) + " failed:\n" + text + err.toString(StandardCharsets.UTF_8));
    return text;
  }

  long count(String sql) {
    return spark.sql(sql).first().getLong(0);
  }

  @Test
  @Order(1)
  void everyRecordIsAccountedForAndSilverIsUniquePerSourceId() {
    long bronze = count("SELECT count(*) FROM bronze.flights_pulls");
    long silver = count("SELECT count(*) FROM silver.flights");
    long quarantined = count("SELECT count(*) FROM silver.flights_quarantine");
    long distinctIds = count("SELECT count(DISTINCT record_id) FROM bronze.flights_pulls WHERE corrupt_reason IS NULL");
    assertEquals(30_000, bronze, "708 pages x records, nothing dropped");
    assertEquals(0, count("SELECT count(*) FROM bronze.flights_pulls WHERE corrupt_reason IS NOT NULL"));
    assertEquals(distinctIds, silver + quarantined, "silver + quarantine = distinct source records");
    assertEquals(silver, count("SELECT count(DISTINCT id) FROM silver.flights"));
    // lineage: each silver row names the page file it came from, which is in bronze
    assertEquals(0, count("SELECT count(*) FROM silver.flights s LEFT ANTI JOIN bronze.flights_pulls b ON s._source_file = b.source_file"));
    // a known record: id 100 is SEA -> MSP on 2001-01-01 01:15 local (Pacific), 6 minutes early
    Row r = spark.sql("SELECT origin, destination, delay, CAST(dep_time_utc AS STRING), origin_timezone FROM silver.flights WHERE id = 100").first();
    assertEquals("SEA", r.getString(0));
    assertEquals("MSP", r.getString(1));
    assertEquals(-6, r.getInt(2));
    assertEquals("2001-01-01 09:15:00", r.getString(3), "UTC = Pacific local + 8h");
    assertEquals("America/Los_Angeles", r.getString(4));
  }

  @Test
  @Order(2)
  void goldFeaturesAreOneRowPerFlightAndModelIsRegisteredWithItsDataVersion() {
    assertEquals(count("SELECT count(*) FROM silver.flights"), count("SELECT count(*) FROM gold.flight_features"));
    assertEquals(0, count("SELECT count(*) FROM gold.flight_features WHERE origin_late_rate_7d < 0 OR origin_late_rate_7d > 1"));
    long goldVersion = lakehouse.latestVersion(TableId.parse("gold.flight_features"));
    Row m = spark.sql("SELECT version, training_table, training_table_version, metrics['auc'], size(feature_names) FROM ops.model_registry").first();
    assertEquals(1, m.getInt(0));
    assertEquals("gold.flight_features", m.getString(1));
    assertEquals(goldVersion, m.getLong(2));
    assertTrue(m.getDouble(3) > 0.5 && m.getDouble(3) < 1.0, "AUC on the May hold-out: " + m.getDouble(3));
    assertEquals(10, m.getInt(4));
  }

  @Test
  @Order(3)
  void predictionsCarryModelAndFeatureVersionAndAreUnique() {
    long goldVersion = lakehouse.latestVersion(TableId.parse("gold.flight_features"));
    long june = count("SELECT count(*) FROM gold.flight_features WHERE event_date >= '2001-06-01'");
    assertTrue(june > 4000, "June flights in the sample: " + june);
    assertEquals(june, count("SELECT count(*) FROM gold.flight_delay_predictions"));
    assertEquals(june, count("SELECT count(DISTINCT id, model_version) FROM gold.flight_delay_predictions"));
    assertEquals(0, count("SELECT count(*) FROM gold.flight_delay_predictions WHERE feature_table_version <> " + goldVersion + " OR model_version <> 1 OR run_id IS NULL"));
    assertEquals(0, count("SELECT count(*) FROM gold.flight_delay_predictions WHERE probability < 0 OR probability > 1"));
  }

  @Test
  @Order(4)
  void runningAgainDuplicatesNothingAndHistoryShowsEachRun() {
    long silverVersion = lakehouse.latestVersion(TableId.parse("silver.flights"));
    long predictions = count("SELECT count(*) FROM gold.flight_delay_predictions");
    String second = launch("run");
    assertTrue(second.contains("[ingest  ] up-to-date"), second);
    assertTrue(second.contains("[refine  ] up-to-date"), second);
    assertEquals(30_000, count("SELECT count(*) FROM bronze.flights_pulls"));
    assertEquals(silverVersion, lakehouse.latestVersion(TableId.parse("silver.flights")), "silver not rewritten");
    assertEquals(predictions, count("SELECT count(*) FROM gold.flight_delay_predictions"));
    assertEquals(1, count("SELECT count(*) FROM ops.model_registry"), "same data + same spec: no new model version");
    assertEquals(2, count("SELECT count(*) FROM ops.runs WHERE command = 'run' AND status = 'succeeded'"));
    String history = launch("history", "silver.flights", "--format", "json");
    // silver was created by its first write, documented in the same commit
    assertTrue(history.contains("\"operation\":\"CREATE TABLE AS SELECT\"") && history.contains("source_version"), history);
  }

  @Test
  @Order(5)
  void sqlReadsByNameWithTimeTravel() {
    String v0 = launch("sql", "--format", "json", "SELECT count(*) AS n FROM ops.runs VERSION AS OF 0");
    assertTrue(v0.contains("{\"n\":1}"), v0);
    String latest = launch("sql", "--format", "csv", "SELECT count(*) AS n FROM ops.runs");
    assertTrue(latest.contains("n\n2") || latest.contains("n" + System.lineSeparator() + "2"), latest);
    String tables = launch("sql", "SHOW TABLES IN gold");
    assertTrue(tables.contains("flight_features") && tables.contains("flight_delay_predictions"), tables);
  }

  @Test
  @Order(6)
  void mistakesGetAnswersNotStackTraces() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, Lakeml.run(new String[] {"frobnicate"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("Unknown command 'frobnicate'"));
    err.reset();
    assertEquals(1, Lakeml.run(new String[] {"sql", "SELECT * FROM gold.nope", "--root", lakehouse.root(), "--env", "test"}, o, e));
    String m = err.toString(StandardCharsets.UTF_8);
    assertTrue(m.contains("Cannot read table gold.nope") && m.contains("Tables and views in gold: ") && m.contains("gold.flight_features") && !m.contains("\tat "), m);
    err.reset();
    assertEquals(1, Lakeml.run(new String[] {"show", "silver.flights", "--version", "99", "--root", lakehouse.root(), "--env", "test"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("Cannot read table silver.flights at version 99: versions 0 to"), err.toString());
  }

  @Test
  @Order(7)
  void theRunEndsByNamingItsHtmlReportAndRunsListsTheRuns() throws Exception {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("Run report: (file:\\S+)").matcher(firstRun);
    assertTrue(m.find(), firstRun);
    java.nio.file.Path report = java.nio.file.Path.of(java.net.URI.create(m.group(1)));
    String html = java.nio.file.Files.readString(report);
    assertTrue(html.contains("Plotly") && html.contains("silver.flights") && html.contains("flight_delay v1"), "report content");
    String runs = launch("runs", "--format", "json");
    assertTrue(runs.contains("succeeded") && runs.contains("silver.flights v"), runs);
    String runId = report.getFileName().toString().replace(".html", "");
    String one = launch("runs", "show", runId);
    assertTrue(one.contains("refine") && one.contains("gold.flight_features"), one);
  }

  @Test
  @Order(8)
  void metricsArePushedToARealPushgateway(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    try (var gateway = dev.lakeml.observe.LocalPushgateway.start(dir)) {
      String out = launch("score", "--force", "--set", "metrics.pushgateway=" + gateway.address());
      assertTrue(out.contains("Metrics pushed to pushgateway " + gateway.address()), out);
      String metrics = gateway.metricsText();
      assertTrue(metrics.contains("lakeml_stage_duration_seconds") && metrics.contains("stage=\"score\""), metrics);
      assertTrue(metrics.matches("(?s).*lakeml_run_success\\{[^}]*pipeline=\"flights\"[^}]*\\} 1(\\.0)?\\n.*"), metrics);
    }
  }
}
