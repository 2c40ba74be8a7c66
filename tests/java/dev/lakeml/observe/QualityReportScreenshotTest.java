package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.cli.Lakeml;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.quality.QualityGate;
import dev.lakeml.quality.RowRules;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quality section of a real run's report: two audited silver.flights versions, the second with
 * broken rows; {@code quality-report} rewrites the run's report, whose quarantine-by-rule numbers
 * must be those of the quarantine table, and whose quality charts Chromium must draw.
 */
class QualityReportScreenshotTest {
  static final TableId SILVER = TableId.of(Layer.SILVER, "flights");
  static final TableId QUARANTINE = TableId.of(Layer.SILVER, "flights_quarantine");
  static final int TEAL = 0x00838f;

  @TempDir Path workDir;
  final SparkSession spark = TestSpark.session();

  /** {@code n} clean flights from id {@code first}, then the broken ones given as SQL rows. */
  Dataset<Row> flights(int first, int n, String... broken) {
    Dataset<Row> clean =
        spark.range(first, first + n)
            .selectExpr("id", "'ORD' AS origin", "'JFK' AS destination", "CAST(700 AS INT) AS distance", "CAST(id % 40 AS INT) AS delay",
                "CAST(array() AS array<string>) AS _reasons");
    for (String b : broken) {
      clean = clean.union(spark.sql("SELECT " + b));
    }
    return clean;
  }

  void audit(Lakehouse lh, String runId, List<CheckSpec> rules, Dataset<Row> rows) {
    Dataset<Row> annotated = RowRules.annotate(rows, rules, Map.of()).persist();
    new QualityGate(lh, runId, Clock.systemUTC())
        .commit(SILVER, QUARANTINE, annotated, RowRules.valid(annotated), RowRules.quarantine(annotated, "id"), rules, 0,
            Map.of("run_id", runId, "source_version", 0));
    annotated.unpersist();
  }

  @Test
  void quarantineByRuleMatchesTheQuarantineTableAndTheQualityChartsAreDrawn() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    List<CheckSpec> rules = spec.silver().expectations();
    audit(lh, "r1-clean", rules, flights(0, 50));
    Instant started = Instant.now();
    String none = "CAST(array() AS array<string>)";
    audit(
        lh,
        "r2-broken",
        rules,
        flights(
            100, 50,
            "1001L, 'ORD', 'JFK', 9000, 5, " + none, // distance out of range
            "1002L, 'ORD', 'JFK', 0, 5, " + none,
            "1003L, 'ORD', 'JFK', -5, 5, " + none,
            "1004L, 'ord', 'JFK', 700, 5, " + none, // origin pattern
            "1005L, 'ord', 'JFK', 9000, 5, " + none, // pattern and range: counted under both
            "1006L, 'JFK', 'JFK', 700, 5, " + none, // origin = destination
            "1007L, 'ZZZ', 'JFK', 700, 5, array(\"origin: 'ZZZ' not found in airports\")")); // a failed lookup
    RunLedger.record(lh, "r2-broken", "run", "flights", "test", started, java.time.Instant.now(), "succeeded", null,
        List.of(new dev.lakeml.jobs.StageResult("refine", "succeeded", 1.5, Map.of(SILVER.toString(), 1L), Map.of(SILVER.toString(), 50L), "refined " + SILVER)));

    String out = launch(lh, "quality-report", "--run-id", "r2-broken");
    Path html = Path.of(lh.root(), "_reports", "r2-broken.html");
    assertTrue(out.contains("Run report: " + html.toUri()), out);
    String page = Files.readString(html);

    // The numbers in the page are those of the quarantine table.
    Map<String, Long> shown = new TreeMap<>();
    Matcher m = Pattern.compile("<tr data-table=\"silver\\.flights_quarantine\" data-rule=\"([^\"]+)\" data-rows=\"(\\d+)\">").matcher(page);
    while (m.find()) {
      shown.put(m.group(1).replace("&#39;", "'").replace("&amp;", "&"), Long.parseLong(m.group(2)));
    }
    Map<String, Long> inTable = new TreeMap<>();
    for (Row r :
        spark.sql(
                "SELECT rule, count(*) FROM silver.flights_quarantine LATERAL VIEW explode(rules_broken) b AS rule"
                    + " WHERE rule IN ('pattern(origin)', 'pattern(destination)', 'range(distance)', 'origin differs from destination') GROUP BY rule")
            .collectAsList()) {
      inTable.put(r.getString(0), r.getLong(1));
    }
    inTable.put(
        "origin: '…' not found in airports",
        spark.sql("SELECT count(*) FROM silver.flights_quarantine WHERE exists(reasons, x -> x LIKE 'origin: % not found in airports')").first().getLong(0));
    assertEquals(inTable, shown);
    assertEquals(Map.of("origin differs from destination", 1L, "origin: '…' not found in airports", 1L, "pattern(origin)", 2L, "range(distance)", 4L), shown);
    assertEquals(7, spark.sql("SELECT count(*) FROM silver.flights_quarantine").first().getLong(0));
    assertTrue(page.contains("data-table=\"silver.flights\" data-verdict=\"passed with warnings\""), "verdict per table: quarantine rules broke (warn level), no error");
    // Across versions: row counts 50 then 50 (v0, v1), from the ledger.
    assertTrue(page.contains("silver.flights row_count"), "row count across versions");

    // Chromium draws every chart, the quality ones included.
    HeadlessChromium chromium = new HeadlessChromium(workDir);
    String dom = chromium.dumpDom(html).stdout();
    int charts = count(page, "<div class=\"chart\"");
    assertTrue(dom.contains("data-charts-rendered=\"" + charts + "\""), "not all " + charts + " charts rendered");
    Path png = workDir.resolve("quality.png");
    chromium.screenshot(html, png, 1280, 3600);
    BufferedImage image = ImageIO.read(png.toFile());
    // The quarantine bars and the quality lines are the only teal on the page.
    int teal = countNear(image, TEAL);
    assertTrue(teal > 8_000, "quality charts missing from the screenshot: " + teal + " teal px");
    int barRows = rowsWithRun(image, TEAL, 200);
    assertTrue(barRows >= 20, "the longest quarantine bar (4 rows) is missing: " + barRows + " rows with a long teal run");
  }

  static String launch(Lakehouse lh, String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--root", lh.root(), "--env", "test"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Lakeml.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, String.join(" ", args) + ":\n" + text);
    return text;
  }

  private static int countNear(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (near(image.getRGB(x, y), rgb)) {
          n++;
        }
      }
    }
    return n;
  }

  private static int rowsWithRun(BufferedImage image, int rgb, int minRun) {
    int rows = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      int run = 0;
      int longest = 0;
      for (int x = 0; x < image.getWidth(); x++) {
        run = near(image.getRGB(x, y), rgb) ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      if (longest >= minRun) {
        rows++;
      }
    }
    return rows;
  }

  private static boolean near(int argb, int rgb) {
    return Math.abs(((argb >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= 12
        && Math.abs(((argb >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= 12
        && Math.abs((argb & 0xff) - (rgb & 0xff)) <= 12;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }
}
