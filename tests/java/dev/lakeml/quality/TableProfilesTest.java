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
    profiles.store(T, v0, "r3", new java.sql.Timestamp(0), first.columns(), Map.of());
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

  /** Flights {@code from .. to - 1}, as {@link #flights}. */
  Dataset<Row> flights(long from, long to) {
    return flights((int) to).filter("id >= " + from);
  }

  /** How ops.table_profiles' newest commit says the profile was computed: the version merged from, or null when whole. */
  static Object mergedFrom(Lakehouse lh) {
    return lh.lastCommitInfo(TableProfiles.TABLE, "profiled_table").orElseThrow().get("profile_merged_from_version");
  }

  /** A profile equal to Deequ's over the whole version: exact statistics equal, quantiles within Deequ's approximation. */
  static void assertSameProfile(List<ColumnProfile> whole, List<ColumnProfile> actual, String what) {
    assertEquals(whole.size(), actual.size(), what);
    for (int i = 0; i < whole.size(); i++) {
      ColumnProfile w = whole.get(i);
      ColumnProfile a = actual.get(i);
      String msg = what + ", column " + w.column() + ": " + a + " vs whole " + w;
      assertEquals(w.column(), a.column(), msg);
      assertEquals(w.rows(), a.rows(), msg);
      assertEquals(w.completeness(), a.completeness(), 1e-12, msg);
      assertEquals(w.approxDistinct(), a.approxDistinct(), msg); // HyperLogLog registers merge exactly
      assertEquals(w.min(), a.min(), msg);
      assertEquals(w.max(), a.max(), msg);
      if (w.mean() != null) {
        assertEquals(w.mean(), a.mean(), 1e-9, msg);
        assertEquals(w.stddev(), a.stddev(), 1e-9, msg);
      }
      assertEquals(w.quantiles().keySet(), a.quantiles().keySet(), msg);
      for (String q : w.quantiles().keySet()) {
        assertTrue(Math.abs(w.quantiles().get(q) - a.quantiles().get(q)) <= 0.02 * w.rows() + 1e-9, msg); // rank error 1 %, on values 0..n-1
      }
      assertEquals(w.topValues(), a.topValues(), msg);
    }
  }

  @Test
  void aVersionThatOnlyAppendedIsProfiledFromTheStoredStatesAndTheAppendedFiles() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    TableProfiles profiles = new TableProfiles(lh, new MutableClock(Instant.parse("2001-02-01T00:00:00Z")));
    java.nio.file.Path states = java.nio.file.Path.of(profiles.statesDir(T));
    long v0 = lh.write(flights(100), T, Lakehouse.Write.overwrite(), Map.of("run_id", "r0"));
    profiles.profile(T, v0, "r0");
    assertNull(mergedFrom(lh), "the first version is profiled whole");

    // An append: the aggregation pass reads the appended file only, and merges with v0's states.
    long v1 = lh.write(flights(100, 140), T, Lakehouse.Write.append(), Map.of("run_id", "r1"));
    List<ColumnProfile> v1Profile = profiles.profile(T, v1, "r1").columns();
    assertEquals(v0, ((Number) mergedFrom(lh)).longValue());
    assertEquals(1, ((Number) lh.lastCommitInfo(TableProfiles.TABLE, "profiled_table").orElseThrow().get("profile_files_read")).intValue());
    assertSameProfile(DeequChecks.profile(lh.read(T, v1), TableProfiles.QUANTILES, TableProfiles.TOP_VALUES), v1Profile, "v1 merged");
    assertEquals(140, column(profiles.stored(T, v1).orElseThrow(), "delay").rows());
    assertEquals(139.0, column(profiles.stored(T, v1).orElseThrow(), "delay").max());
    try (var s = java.nio.file.Files.list(states)) {
      assertEquals(List.of("v" + v1), s.map(p -> p.getFileName().toString().replaceAll("-.*", "")).toList(), "only the newest version's states are kept");
    }

    // Two appends in a row, one of them a docs commit: merged too, from v1.
    lh.write(flights(140, 150), T, Lakehouse.Write.append(), Map.of("run_id", "r2"));
    lh.spark().sql("ALTER TABLE delta.`" + lh.path(T) + "` SET TBLPROPERTIES ('comment' = 'flights')");
    long v3 = lh.latestVersion(T);
    assertSameProfile(DeequChecks.profile(lh.read(T, v3), TableProfiles.QUANTILES, TableProfiles.TOP_VALUES), profiles.profile(T, v3, "r3").columns(), "v3 merged");
    assertEquals(v1, ((Number) mergedFrom(lh)).longValue());

    // A rewrite (here a DELETE) removes rows the states hold: the version is profiled whole.
    lh.spark().sql("DELETE FROM delta.`" + lh.path(T) + "` WHERE id < 20");
    long v4 = lh.latestVersion(T);
    List<ColumnProfile> v4Profile = profiles.profile(T, v4, "r4").columns();
    assertNull(mergedFrom(lh), "a DELETE is not an append");
    assertEquals(130, column(profiles.stored(T, v4).orElseThrow(), "delay").rows());
    assertEquals(20.0, column(profiles.stored(T, v4).orElseThrow(), "delay").min());
    assertSameProfile(DeequChecks.profile(lh.read(T, v4), TableProfiles.QUANTILES, TableProfiles.TOP_VALUES), v4Profile, "v4 whole");

    // States that cannot be loaded (a file lost): whole again, with the right figures.
    try (var s = java.nio.file.Files.walk(states)) {
      java.nio.file.Path lost = s.filter(p -> p.getFileName().toString().endsWith(".bin")).findFirst().orElseThrow();
      java.nio.file.Files.delete(lost);
    }
    long v5 = lh.write(flights(150, 160), T, Lakehouse.Write.append(), Map.of("run_id", "r5"));
    List<ColumnProfile> v5Profile = profiles.profile(T, v5, "r5").columns();
    assertNull(mergedFrom(lh), "a state file is missing");
    assertSameProfile(DeequChecks.profile(lh.read(T, v5), TableProfiles.QUANTILES, TableProfiles.TOP_VALUES), v5Profile, "v5 whole");

    // Another column: the stored states are of other analyzers, so whole.
    long v6 = lh.writeAddingColumns(flights(160, 170).withColumn("distance", org.apache.spark.sql.functions.col("id").multiply(2)), T, Lakehouse.Write.append(), Map.of("run_id", "r6"));
    List<ColumnProfile> v6Profile = profiles.profile(T, v6, "r6").columns();
    assertNull(mergedFrom(lh), "a column was added");
    assertEquals(10.0 / 150, column(profiles.stored(T, v6).orElseThrow(), "distance").completeness(), 1e-9);
    assertSameProfile(DeequChecks.profile(lh.read(T, v6), TableProfiles.QUANTILES, TableProfiles.TOP_VALUES), v6Profile, "v6 whole");

    // An older version asked for later (the profile command) is profiled without touching the newest states.
    lh.write(lh.read(TableProfiles.TABLE).filter("table_version <> " + v0), TableProfiles.TABLE, Lakehouse.Write.overwrite(), Map.of("run_id", "forget v0"));
    assertEquals(100, column(profiles.profile(T, v0, "r7"), "delay").rows());
    try (var s = java.nio.file.Files.list(states)) {
      assertEquals(List.of("v" + v6), s.map(p -> p.getFileName().toString().replaceAll("-.*", "")).toList());
    }
  }

  /**
   * The min and max come from each column's quantile digest. It compresses what it holds, and is
   * merged across partitions, yet keeps the smallest and largest values exactly: 200,000 shuffled
   * values in 4 partitions, against Spark's own min and max. A NaN is left out of a floating-point
   * column's digest, so its min and max are those of its numbers.
   */
  @Test
  void minAndMaxAreExactOverACompressedDigest() {
    Dataset<Row> rows =
        spark
            .range(200_000)
            .repartition(4)
            .selectExpr(
                "CAST((id * 7919) % 200000 - 1000 AS INT) AS delay",
                "CASE WHEN id % 1000 = 7 THEN double('NaN') ELSE CAST((id * 7919) % 200000 AS DOUBLE) / 7.0 + 0.125 END AS rate",
                "CASE WHEN id % 3 = 0 THEN NULL ELSE id * 13 END AS sparse");
    Row expected =
        rows.selectExpr("min(delay)", "max(delay)", "min(nanvl(rate, NULL))", "max(nanvl(rate, NULL))", "min(sparse)", "max(sparse)").first();
    assertEquals(200, rows.filter("isnan(rate)").count());
    List<ColumnProfile> profile = DeequChecks.profile(rows, TableProfiles.QUANTILES, TableProfiles.TOP_VALUES);
    String[] names = {"delay", "rate", "sparse"};
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      ColumnProfile c = profile.stream().filter(p -> p.column().equals(name)).findFirst().orElseThrow();
      assertEquals(((Number) expected.get(2 * i)).doubleValue(), c.min(), name + " min");
      assertEquals(((Number) expected.get(2 * i + 1)).doubleValue(), c.max(), name + " max");
    }
  }


  /**
   * The top values come from one grouped count over all categorical columns, and equal what Deequ's
   * {@code Histogram} gives each column alone: values cast to string, nulls as {@code NullValue},
   * most frequent first, ties by value, cut at the limit; booleans too. (Deequ cannot name a column
   * holding a backtick; the one pass can.)
   */
  @Test
  void topValuesOfAllColumnsInOnePassEqualDeequsHistogramPerColumn() {
    Dataset<Row> rows =
        spark
            .range(5_000)
            .repartition(3)
            .selectExpr(
                "CASE WHEN id % 97 = 0 THEN NULL ELSE concat('v', CAST(id % 23 AS STRING)) END AS code",
                "CASE WHEN id % 5 = 0 THEN NULL ELSE id % 3 = 0 END AS flag",
                "concat('t', CAST(id % 4 AS STRING)) AS tie", // 4 values of 1,250 rows: ties everywhere
                "concat('t', CAST(id % 4 AS STRING)) AS `odd``name`",
                "id % 11 AS number");
    List<String> columns = List.of("code", "flag", "tie", "odd`name");
    int n = 3;
    Map<String, List<ColumnProfile.ValueCount>> top = DeequChecks.topValues(rows, columns, n);
    assertEquals(columns, List.copyOf(top.keySet()));
    for (String c : List.of("code", "flag", "tie")) {
      var histogram =
          new com.amazon.deequ.analyzers.Histogram(
              c, scala.Option.empty(), n, scala.Option.empty(), false, com.amazon.deequ.analyzers.Histogram$.MODULE$.$lessinit$greater$default$6());
      var dist = (com.amazon.deequ.metrics.Distribution) histogram.calculate(rows, scala.Option.empty(), scala.Option.empty(), scala.Option.empty()).value().get();
      List<ColumnProfile.ValueCount> expected = new java.util.ArrayList<>();
      scala.collection.JavaConverters.mapAsJavaMap(dist.values()).forEach((v, d) -> expected.add(new ColumnProfile.ValueCount(v, d.absolute())));
      expected.sort(java.util.Comparator.comparingLong(ColumnProfile.ValueCount::count).reversed().thenComparing(ColumnProfile.ValueCount::value));
      assertEquals(n, expected.size(), c);
      assertEquals(expected, top.get(c), c);
    }
    assertEquals(List.of(new ColumnProfile.ValueCount("t0", 1250), new ColumnProfile.ValueCount("t1", 1250), new ColumnProfile.ValueCount("t2", 1250)), top.get("tie"));
    assertEquals(top.get("tie"), top.get("odd`name"));
    assertTrue(top.get("flag").contains(new ColumnProfile.ValueCount("NullValue", 1000)), top.get("flag").toString());
    assertTrue(DeequChecks.topValues(rows, List.of(), n).isEmpty());
    assertEquals(List.of(), DeequChecks.topValues(rows.limit(0), List.of("code"), n).get("code"), "an empty table has no top values");
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
