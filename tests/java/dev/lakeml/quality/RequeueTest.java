package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.RefineJob;
import dev.lakeml.jobs.RequeueJob;
import dev.lakeml.jobs.StageResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * requeue after a fix: flights to an unknown airport are quarantined; the airport is added to the
 * dimension file; requeue moves them into silver exactly once (twice called, and after a crash
 * between its two commits), input = table + quarantine holds, and refine agrees afterwards.
 */
class RequeueTest {
  static final TableId SILVER = TableId.of(Layer.SILVER, "flights");
  static final TableId QUARANTINE = TableId.of(Layer.SILVER, "flights_quarantine");
  static final StructType BRONZE =
      new StructType()
          .add("source_file", DataTypes.StringType)
          .add("page_sha256", DataTypes.StringType)
          .add("record_index", DataTypes.IntegerType)
          .add("file_modified_at", DataTypes.TimestampType)
          .add("record_id", DataTypes.StringType)
          .add("payload", DataTypes.StringType)
          .add("corrupt_reason", DataTypes.StringType);

  @TempDir Path dir;
  final SparkSession spark = TestSpark.session();

  static String flight(long id, String origin, int distance) {
    return String.format(
        "{\"id\":%d,\"date\":\"2001-01-%02dT08:00:00\",\"delay\":%d,\"distance\":%d,\"origin\":\"%s\",\"destination\":\"%s\"}",
        id, 1 + id % 28, id % 30, distance, origin, id % 2 == 0 ? "JFK" : "LAX");
  }

  PipelineSpec spec() throws Exception {
    return spec(false);
  }

  /** The flights spec on three airports; silver profiled when {@code profileSilver} (off: faster). */
  PipelineSpec spec(boolean profileSilver) throws Exception {
    Files.writeString(dir.resolve("state_timezones.csv"), "state,timezone\nIL,America/Chicago\nNY,America/New_York\nCA,America/Los_Angeles\n");
    Files.writeString(dir.resolve("airports.csv"), "iata,name,city,state,country,latitude,longitude\nORD,O'Hare,Chicago,IL,USA,41.9,-87.9\nJFK,Kennedy,New York,NY,USA,40.6,-73.8\nLAX,Los Angeles,Los Angeles,CA,USA,33.9,-118.4\n");
    PipelineSpec s = PipelineSpec.load(TestSpark.projectDir(), "flights");
    List<PipelineSpec.Refined> dims = new ArrayList<>();
    for (PipelineSpec.Refined d : s.dimensions()) {
      dims.add(
          new PipelineSpec.Refined(
              d.table(), d.quarantineTable(), new PipelineSpec.FileInput(dir.resolve(d.table() + ".csv").toString(), "csv", d.file().options()),
              d.recordSchema(), d.key(), d.lookups(), d.columns(), d.required(), d.expectations(), d.description(), false, d.pivot()));
    }
    PipelineSpec.Refined v = s.silver();
    PipelineSpec.Refined silver =
        new PipelineSpec.Refined(v.table(), v.quarantineTable(), v.file(), v.recordSchema(), v.key(), v.lookups(), v.columns(), v.required(), v.expectations(), v.description(), profileSilver, v.pivot());
    return new PipelineSpec(s.name(), s.description(), s.owner(), s.file(), s.source(), s.bronzeTable(), dims, silver, s.gold(), s.model(), s.score(), s.monitor());
  }

  JobContext context(Lakehouse lh, PipelineSpec spec, String runId, Map<String, String> options) {
    return new JobContext(TestSpark.settings(lh.root()), spec, lh, runId, options, new PrintStream(new ByteArrayOutputStream()));
  }

  List<Long> ids(TableId t) {
    String key = t.equals(SILVER) ? "id" : "CAST(record_key AS BIGINT)";
    return spark.read().format("delta").load(lhRoot + "/silver/" + t.name()).selectExpr(key).as(Encoders.LONG()).collectAsList().stream().sorted().toList();
  }

  String lhRoot;

  @Test
  void requeueMovesRowsThatNowPassExactlyOnceAndRefineAgrees() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    lhRoot = lh.root();
    PipelineSpec spec = spec();
    writeBronze(lh, spec);
    new RefineJob().run(context(lh, spec, "refine-1", Map.of()));
    assertEquals(20, ids(SILVER).size());
    assertEquals(List.of(21L, 22L, 23L, 24L, 25L), ids(QUARANTINE));

    // Nothing fixed yet: requeue moves nothing and commits nothing to silver.
    long before = lh.latestVersion(SILVER);
    StageResult nothing = new RequeueJob().run(context(lh, spec, "requeue-0", Map.of()));
    assertTrue(nothing.summary().contains("none passes yet"), nothing.summary());
    assertEquals(before, lh.latestVersion(SILVER));

    // The fix: ZZZ is added to the airports file.
    Files.writeString(dir.resolve("airports.csv"), "ZZZ,Test Field,Chicago,IL,USA,41.0,-87.0\n", java.nio.file.StandardOpenOption.APPEND);

    // A crash between requeue's two commits: the silver append is committed, the quarantine rewrite
    // is not. Reproduced on disk: requeue, then put the quarantine table's folder back as it was.
    long qv = lh.latestVersion(QUARANTINE);
    Path quarantineDir = Path.of(lh.path(QUARANTINE));
    Path saved = dir.resolve("quarantine-before");
    copy(quarantineDir, saved);
    new RequeueJob().run(context(lh, spec, "requeue-crashed", Map.of()));
    delete(quarantineDir);
    copy(saved, quarantineDir);
    org.apache.spark.sql.delta.DeltaLog.clearCache();
    assertEquals(23, spark.read().format("delta").load(lh.path(SILVER)).count(), "the append was committed before the crash");
    assertEquals(qv, lh.latestVersion(QUARANTINE), "the quarantine rewrite was not");
    assertEquals(5, spark.read().format("delta").load(lh.path(QUARANTINE)).count());

    // Called again (after the crash), and once more: the rows are in silver once.
    StageResult first = new RequeueJob().run(context(lh, spec, "requeue-1", Map.of()));
    StageResult second = new RequeueJob().run(context(lh, spec, "requeue-2", Map.of()));
    assertTrue(first.summary().contains("3 of 5 quarantined rows now pass"), first.summary());
    assertTrue(second.summary().contains("none passes yet"), second.summary());
    List<Long> silverIds = ids(SILVER);
    assertEquals(23, silverIds.size());
    assertEquals(23, silverIds.stream().distinct().count(), "no row twice");
    assertTrue(silverIds.containsAll(List.of(21L, 22L, 23L)));
    assertEquals(List.of(24L, 25L), ids(QUARANTINE));
    assertEquals(25, silverIds.size() + ids(QUARANTINE).size(), "input = table + quarantine");
    // Row 25 stays, now only for its distance: its reasons were recomputed.
    Row r25 = spark.read().format("delta").load(lh.path(QUARANTINE)).filter("record_key = '25'").first();
    assertEquals(List.of("range(distance): 9000 outside [1, 6000]"), r25.getList(r25.fieldIndex("reasons")));
    assertEquals("requeue-1", r25.getAs("run_id"));
    // Moved rows are complete silver rows: looked up and converted like the others.
    Row r21 = spark.read().format("delta").load(lh.path(SILVER)).filter("id = 21").first();
    assertEquals("America/Chicago", r21.getAs("origin_timezone"));
    assertEquals("page-2.json", r21.getAs("_source_file"));
    // The verdicts of the requeue are in the quality ledger, accepted.
    assertTrue(spark.read().format("delta").load(lh.path(QualityLedger.TABLE)).filter("run_id = 'requeue-1' AND accepted AND check_name = 'row_count'").first().<Double>getAs("metric") == 23.0);

    // A later refine on the same bronze is up to date; one that recomputes gives the same rows.
    long afterRequeue = lh.latestVersion(SILVER);
    StageResult refine = new RefineJob().run(context(lh, spec, "refine-2", Map.of()));
    assertEquals(afterRequeue, lh.latestVersion(SILVER), refine.summary());
    new RefineJob().run(context(lh, spec, "refine-3", Map.of("force", "")));
    assertEquals(silverIds, ids(SILVER));
    assertEquals(List.of(24L, 25L), ids(QUARANTINE));
  }

  void writeBronze(Lakehouse lh, PipelineSpec spec) {
    List<Row> bronze = new ArrayList<>();
    java.sql.Timestamp at = java.sql.Timestamp.valueOf("2001-02-01 00:00:00");
    for (int i = 1; i <= 20; i++) {
      bronze.add(RowFactory.create("page-1.json", "sha1", i, at, String.valueOf(i), flight(i, "ORD", 700), null));
    }
    bronze.add(RowFactory.create("page-2.json", "sha2", 0, at, "21", flight(21, "ZZZ", 700), null)); // unknown airport
    bronze.add(RowFactory.create("page-2.json", "sha2", 1, at, "22", flight(22, "ZZZ", 800), null));
    bronze.add(RowFactory.create("page-2.json", "sha2", 2, at, "23", flight(23, "ZZZ", 900), null));
    bronze.add(RowFactory.create("page-2.json", "sha2", 3, at, "24", flight(24, "ORD", 9000), null)); // distance out of range
    bronze.add(RowFactory.create("page-2.json", "sha2", 4, at, "25", flight(25, "ZZZ", 9000), null)); // both
    lh.write(spark.createDataFrame(bronze, BRONZE), TableId.of(Layer.BRONZE, spec.bronzeTable()), Lakehouse.Write.overwrite(), Map.of("run_id", "ingest"));

  }

  @Test
  void aVersionCommittedWithoutItsVerdictsIsAuditedAgainNotSkipped() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    lhRoot = lh.root();
    PipelineSpec spec = spec();
    writeBronze(lh, spec);
    new RefineJob().run(context(lh, spec, "refine-1", Map.of()));
    // A crash after silver's commit, before its verdicts reached the ledger.
    lh.write(
        lh.read(QualityLedger.TABLE).filter("NOT (run_id = 'refine-1' AND table_name = 'silver.flights')"),
        QualityLedger.TABLE, Lakehouse.Write.overwrite(), Map.of("run_id", "simulated-crash"));

    StageResult again = new RefineJob().run(context(lh, spec, "refine-2", Map.of()));
    assertTrue(again.summary().contains("20 in silver.flights"), "recomputed and audited, not skipped: " + again.summary());
    long version = lh.lastCommitInfo(SILVER, "source_version").map(m -> ((Number) m.get("_version")).longValue()).orElseThrow();
    assertTrue(new QualityLedger(lh, java.time.Clock.systemUTC()).recorded(SILVER, version));
    assertEquals(20.0, new QualityLedger(lh, java.time.Clock.systemUTC()).acceptedHistory(SILVER, "row_count", 5).get(0), "the version is in the baselines");
    StageResult third = new RefineJob().run(context(lh, spec, "refine-3", Map.of()));
    assertTrue(third.summary().contains("up to date"), third.summary());
  }

  @Test
  void aVersionCommittedWithoutItsProfileIsProfiledByTheRunThatFindsItUpToDate() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    lhRoot = lh.root();
    PipelineSpec spec = spec(true);
    writeBronze(lh, spec);
    // Silver exists undocumented (a session that did not document created it; here without lineage,
    // so the job refines it whole); a job that documents overwrites it, and its write is followed by
    // the docs commit, so the version written (and profiled) is one after the commit that carries the
    // lineage. A table created by a documenting job has its docs in its first commit instead.
    lh.write(spark.sql("SELECT 1L AS id"), SILVER, Lakehouse.Write.overwrite(), Map.of());
    dev.lakeml.catalog.AnalystCatalog.activate(lh, spec);
    try {
      new RefineJob().run(context(lh, spec, "refine-1", Map.of()));
      long dataVersion = lh.lastCommitInfo(SILVER, "source_version").map(m -> ((Number) m.get("_version")).longValue()).orElseThrow();
      long profiled = lh.read(TableProfiles.TABLE).filter("table_name = 'silver.flights'").selectExpr("max(table_version)").first().getLong(0);
      assertEquals(dataVersion + 1, profiled, "the version profiled is the docs commit after the data's");
      assertEquals("SET TBLPROPERTIES", lh.history(SILVER).filter("version = " + profiled).first().getAs("operation"));
      TableProfiles profiles = new TableProfiles(lh, java.time.Clock.systemUTC());
      List<ColumnProfile> columns = profiles.stored(SILVER, profiled).orElseThrow().columns();
      long rows = lh.read(TableProfiles.TABLE).count();
      long rowsOfRun = lh.read(TableProfiles.TABLE).filter("run_id = 'refine-1'").count();

      // A rerun that finds silver up to date and profiled looks the profile up: nothing is stored again.
      StageResult skipped = new RefineJob().run(context(lh, spec, "refine-2", Map.of()));
      assertTrue(skipped.summary().contains("up to date"), skipped.summary());
      assertEquals(rows, lh.read(TableProfiles.TABLE).count(), "a stored profile is looked up, not stored again");

      // A crash after silver's commit and verdicts, before its profile's commit (the table's first).
      delete(Path.of(lh.path(TableProfiles.TABLE)));
      StageResult again = new RefineJob().run(context(lh, spec, "refine-3", Map.of()));
      assertTrue(again.summary().contains("up to date"), "silver is not recomputed: " + again.summary());
      assertEquals(dataVersion, lh.lastCommitInfo(SILVER, "source_version").map(m -> ((Number) m.get("_version")).longValue()).orElseThrow());
      TableProfiles.Stored restored = profiles.stored(SILVER, profiled).orElseThrow(() -> new AssertionError("no profile of v" + profiled + " after the rerun"));
      assertEquals("refine-3", restored.runId());
      assertEquals(columns, restored.columns());
      assertEquals(rowsOfRun, lh.read(TableProfiles.TABLE).count(), "the same versions profiled once, as an uninterrupted run does");
    } finally {
      dev.lakeml.catalog.AnalystCatalog.forget(spark);
    }
  }

  static void copy(Path from, Path to) throws java.io.IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  static void delete(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void onlyTheSilverTableCanBeRequeued() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    LakemlException e =
        assertThrows(LakemlException.class, () -> new RequeueJob().run(context(lh, spec(), "r", Map.of("_args", "gold.flight_features"))));
    assertTrue(e.getMessage().startsWith("Cannot requeue gold.flight_features: only silver.flights"), e.getMessage());
  }
}
