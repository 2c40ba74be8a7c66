package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.cli.Lakeml;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Column profiles of table versions, stored once per version in ops.table_profiles. */
class TableProfilesTest {
  static final TableId T = TableId.of(Layer.SILVER, "flights");
  final SparkSession spark = TestSpark.session();

  /** 100 flights: delay = id (0..99), origin ORD x50, JFK x30, null x20; a lineage column. */
  Dataset<Row> flights(int n) {
    return spark
        .range(n)
        .selectExpr(
            "id",
            "CAST(id AS INT) AS delay",
            "CASE WHEN id % 10 < 5 THEN 'ORD' WHEN id % 10 < 8 THEN 'JFK' ELSE NULL END AS origin",
            "'page-1.json' AS _source_file");
  }

  static ColumnProfile column(TableProfiles.Stored p, String name) {
    return p.columns().stream().filter(c -> c.column().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no profile of " + name));
  }

  @Test
  void aVersionIsProfiledOnceWithItsStatisticsAndReadBack() {
    Lakehouse lh = TestSpark.freshLakehouse();
    long v0 = lh.write(flights(100), T, Lakehouse.Write.overwrite(), Map.of("run_id", "r0"));
    TableProfiles profiles = new TableProfiles(lh, new MutableClock(Instant.parse("2001-02-01T00:00:00Z")));

    TableProfiles.Stored first = profiles.profile(T, v0, "r1");

    assertEquals(List.of("id", "delay", "origin"), first.columns().stream().map(ColumnProfile::column).toList(), "lineage columns (_...) are left out");
    ColumnProfile delay = column(first, "delay");
    assertEquals(100, delay.rows());
    assertEquals(1.0, delay.completeness());
    assertEquals(0.0, delay.min());
    assertEquals(99.0, delay.max());
    assertEquals(49.5, delay.mean(), 1e-9);
    assertTrue(Math.abs(delay.quantiles().get("0.5") - 49.5) <= 2, "median " + delay.quantiles());
    assertEquals(5, delay.quantiles().size());
    assertTrue(Math.abs(delay.approxDistinct() - 100) <= 5, "approx distinct " + delay.approxDistinct());
    ColumnProfile origin = column(first, "origin");
    assertEquals(0.8, origin.completeness(), 1e-9);
    assertNull(origin.min(), "no min of a string column");
    assertEquals(new ColumnProfile.ValueCount("ORD", 50), origin.topValues().get(0));
    assertEquals(new ColumnProfile.ValueCount("JFK", 30), origin.topValues().get(1));
    assertEquals(20, origin.topValues().get(2).count(), "nulls are counted: " + origin.topValues());
    assertTrue(delay.topValues().isEmpty(), "no histogram of numeric columns");

    // Stored: read back equal, and a later call returns the stored profile (run r1), not a new one.
    TableProfiles.Stored again = profiles.profile(T, v0, "r2");
    assertEquals("r1", again.runId());
    assertEquals(first.columns(), again.columns());
    assertEquals(3, lh.read(TableProfiles.TABLE).count(), "one row per column of the version");

    // A crash between the commit and the caller seeing it: storing the same version again is a no-op.
    profiles.store(T, v0, "r3", new java.sql.Timestamp(0), first.columns());
    assertEquals(3, lh.read(TableProfiles.TABLE).count(), "idempotent: the transaction id names table and version");

    // The next version gets its own profile.
    long v1 = lh.write(flights(40), T, Lakehouse.Write.overwrite(), Map.of("run_id", "r4"));
    assertEquals(40, column(profiles.profile(T, v1, "r4"), "delay").rows());
    assertEquals(100, column(profiles.stored(T, v0).orElseThrow(), "delay").rows());
    assertEquals(6, lh.read(TableProfiles.TABLE).count());

    // profiledSince: the newest appends' userMetadata answer; after a rewrite, the rows do.
    assertTrue(profiles.profiledSince(T, v0));
    assertTrue(profiles.profiledSince(T, v1));
    assertFalse(profiles.profiledSince(T, v1 + 1));
    assertFalse(profiles.profiledSince(TableId.of(Layer.GOLD, "flights"), 0));
    lh.write(lh.read(TableProfiles.TABLE).filter("table_version <> " + v1), TableProfiles.TABLE, Lakehouse.Write.overwrite(), Map.of("run_id", "rewrite"));
    assertFalse(profiles.profiledSince(T, v1), "v1's profile rows are gone, though its append is still in the log");
    assertTrue(profiles.profiledSince(T, v0), "from the rows");
  }

  @Test
  void profileCommandPrintsTheStoredProfileOrComputesAndStoresIt() {
    Lakehouse lh = TestSpark.freshLakehouse();
    lh.write(flights(100), T, Lakehouse.Write.overwrite(), Map.of("run_id", "r0"));
    String out = launch(lh, "profile", "silver.flights");
    assertTrue(out.matches("(?s).*Profile of silver\\.flights v\\d+ \\(100 rows\\): computed now and stored.*"), out);
    assertTrue(out.contains("ORD:50 JFK:30"), out);
    assertEquals(3, lh.read(TableProfiles.TABLE).count());
    String again = launch(lh, "profile", "silver.flights");
    assertTrue(again.matches("(?s).*Profile of silver\\.flights v\\d+ \\(100 rows\\): stored by run.*"), again);
    assertEquals(3, lh.read(TableProfiles.TABLE).count(), "read, not stored twice");
  }

  @Test
  void profilingIsOnForSilverAndGoldAndOffForDimensionsByDefault() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    assertTrue(spec.silver().profile());
    assertTrue(spec.gold().profile());
    assertFalse(spec.dimensions().get(0).profile());
  }

  static String launch(Lakehouse lh, String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of(args));
    argv.addAll(List.of("--root", lh.root(), "--env", "test"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Lakeml.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, String.join(" ", args) + ":\n" + text);
    return text;
  }
}
