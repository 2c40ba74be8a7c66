package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.RefineJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.refine.Refiner;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * refine after bronze grew by appends merges only the appended records into silver and its
 * quarantine table, and the result is the one a full recompute of the same bronze gives: re-pulled
 * records replace older copies (or lose to newer ones), rows move between silver and quarantine
 * both ways, keyless records are added; applied again after a crash between its two commits, it
 * changes nothing more.
 */
class IncrementalRefineTest {
  static final TableId SILVER = RequeueTest.SILVER;
  static final TableId QUARANTINE = RequeueTest.QUARANTINE;

  @TempDir Path dir;
  final SparkSession spark = TestSpark.session();

  static Row record(String file, String at, int index, String id, String payload) {
    return RowFactory.create(file, "sha-" + file, index, Timestamp.valueOf(at), id, payload, null);
  }

  /** Appended after the first refine: what a later pull of the API brings. */
  static List<Row> nextPull() {
    List<Row> rows = new ArrayList<>();
    String later = "2001-02-02 00:00:00";
    rows.add(record("page-3.json", later, 0, "26", RequeueTest.flight(26, "ORD", 700))); // new
    rows.add(record("page-3.json", later, 1, "27", RequeueTest.flight(27, "ZZZ", 700))); // new, quarantined
    rows.add(record("page-3.json", later, 2, "5", RequeueTest.flight(5, "JFK", 1234))); // re-pulled, changed
    rows.add(record("page-3.json", later, 3, "6", RequeueTest.flight(6, "ORD", 9000))); // re-pulled, now invalid
    rows.add(record("page-3.json", later, 4, "24", RequeueTest.flight(24, "ORD", 650))); // was quarantined, now valid
    rows.add(record("page-3.json", later, 5, null, "{\"date\":\"2001-01-03T08:00:00\",\"delay\":3}")); // no key
    rows.add(record("page-3.json", later, 6, "25", RequeueTest.flight(25, "ZZZ", 700))); // still quarantined, new reasons
    rows.add(record("page-4.json", "2001-02-01 12:00:00", 0, "28", RequeueTest.flight(28, "ORD", 111))); // twice in the pull:
    rows.add(record("page-3.json", later, 7, "28", RequeueTest.flight(28, "ORD", 222))); // the newer file wins
    rows.add(record("page-0-late.json", "2001-01-15 00:00:00", 0, "7", RequeueTest.flight(7, "JFK", 4321))); // older than silver's copy
    return rows;
  }

  RequeueTest fixture;
  PipelineSpec spec;
  TableId bronze;

  /** Bronze v0 refined (silver and quarantine), then {@link #nextPull} appended as bronze v1; returns silver's version. */
  long refinedThenPulledAgain(Lakehouse lh) throws Exception {
    refined(lh);
    long silverVersion = lh.latestVersion(SILVER);
    pull(lh, nextPull());
    return silverVersion;
  }

  /** Bronze v0 written and refined (silver and quarantine). */
  void refined(Lakehouse lh) throws Exception {
    fixture = new RequeueTest();
    fixture.dir = dir;
    spec = fixture.spec();
    bronze = TableId.of(Layer.BRONZE, spec.bronzeTable());
    fixture.writeBronze(lh, spec);
    new RefineJob().run(fixture.context(lh, spec, "refine-1", Map.of()));
  }

  void pull(Lakehouse lh, List<Row> records) {
    lh.write(spark.createDataFrame(records, RequeueTest.BRONZE), bronze, Lakehouse.Write.append(), Map.of("run_id", "ingest-2"));
  }

  /** Another lakehouse whose silver was refined whole from {@code lh}'s bronze: what a merge must give. */
  Lakehouse refinedWhole(Lakehouse lh) {
    Lakehouse full = TestSpark.freshLakehouse();
    full.write(lh.read(bronze), bronze, Lakehouse.Write.overwrite(), Map.of("run_id", "copy"));
    new RefineJob().run(fixture.context(full, spec, "refine-full", Map.of()));
    return full;
  }

  @Test
  void appendedRecordsAreMergedAndGiveWhatAFullRecomputeGives() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    long before = refinedThenPulledAgain(lh);
    Path silverDir = Path.of(lh.path(SILVER));
    Path saved = dir.resolve("silver-before");
    RequeueTest.copy(silverDir, saved);
    StageResult merged = new RefineJob().run(fixture.context(lh, spec, "refine-2", Map.of()));
    assertTrue(merged.summary().contains("10 bronze records appended since v0 (") && merged.summary().contains("files) -> 7 keys changed"), merged.summary());
    assertEquals(1L, ((Number) lh.lastCommitInfo(SILVER, "source_version").orElseThrow().get("source_version")).longValue());
    assertEquals("MERGE", lh.history(SILVER).orderBy(org.apache.spark.sql.functions.col("version").desc()).first().getAs("operation"));

    Lakehouse full = refinedWhole(lh);
    assertSameRows(full, lh);
    Row r5 = lh.read(SILVER).filter("id = 5").first();
    assertEquals(1234, ((Number) r5.getAs("distance")).intValue(), "the re-pulled copy replaced the old one");
    assertEquals(700, ((Number) lh.read(SILVER).filter("id = 7").first().getAs("distance")).intValue(), "an older copy does not win");
    assertEquals(222, ((Number) lh.read(SILVER).filter("id = 28").first().getAs("distance")).intValue());
    assertEquals(1, lh.read(QUARANTINE).filter("record_key = '6'").count());
    assertEquals(0, lh.read(QUARANTINE).filter("record_key = '24'").count());
    assertEquals(1, lh.read(QUARANTINE).filter("record_key IS NULL").count());
    Row verdict = lh.read(QualityLedger.TABLE).filter("run_id = 'refine-2' AND check_name = 'row_count'").first();
    assertEquals((double) lh.read(SILVER).count(), verdict.<Double>getAs("metric"), "dataset rules judge the whole table after the merge");
    Row unique = lh.read(QualityLedger.TABLE).filter("run_id = 'refine-2' AND rule = 'unique'").first();
    assertTrue(
        unique.<Boolean>getAs("passed") && unique.<String>getAs("message").contains("merged rows are unique on id and replace their keys' rows"),
        "the key's uniqueness from the merged rows: " + unique);

    // A crash after the quarantine's merge, before silver's: silver's folder put back as it was.
    // The rerun merges the same records again; quarantine does not get them twice.
    RequeueTest.delete(silverDir);
    RequeueTest.copy(saved, silverDir);
    org.apache.spark.sql.delta.DeltaLog.clearCache();
    assertEquals(before, lh.latestVersion(SILVER));
    StageResult again = new RefineJob().run(fixture.context(lh, spec, "refine-3", Map.of()));
    assertTrue(again.summary().contains("appended since v0"), again.summary());
    assertSameRows(full, lh);

    StageResult third = new RefineJob().run(fixture.context(lh, spec, "refine-4", Map.of()));
    assertTrue(third.summary().contains("up to date"), third.summary());
  }

  @Test
  void aPullOfNewKeysOnlyDoesNotReadBronzesHistory() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    refined(lh);
    // Bronze v0's data files: the history a pull of new keys has no need to read.
    Path bronzeDir = Path.of(lh.path(bronze));
    List<Path> history;
    try (var files = java.nio.file.Files.list(bronzeDir)) {
      history = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
    }
    assertTrue(!history.isEmpty());
    String later = "2001-02-02 00:00:00";
    pull(
        lh,
        List.of(
            record("page-5.json", later, 0, "40", RequeueTest.flight(40, "ORD", 700)),
            record("page-5.json", later, 1, "41", RequeueTest.flight(41, "ZZZ", 700)), // quarantined
            record("page-5.json", later, 2, "42", RequeueTest.flight(42, "JFK", 800))));
    Path away = dir.resolve("bronze-history");
    java.nio.file.Files.createDirectories(away);
    for (Path f : history) {
      java.nio.file.Files.move(f, away.resolve(f.getFileName()));
    }
    StageResult merged;
    try {
      merged = new RefineJob().run(fixture.context(lh, spec, "refine-2", Map.of()));
    } finally {
      for (Path f : history) {
        java.nio.file.Files.move(away.resolve(f.getFileName()), f);
      }
    }
    assertTrue(merged.summary().contains("3 bronze records appended since v0 (") && merged.summary().contains("files) -> 3 keys changed"), merged.summary());
    assertSameRows(refinedWhole(lh), lh);
  }

  @Test
  void aBronzeCommitThatIsNotAnAppendMeansAFullRecompute() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    refinedThenPulledAgain(lh);
    spark.sql("DELETE FROM delta.`" + lh.path(bronze) + "` WHERE source_file = 'page-0-late.json'");
    assertTrue(lh.filesAppended(bronze, 0, lh.latestVersion(bronze)).isEmpty());
    StageResult run = new RefineJob().run(fixture.context(lh, spec, "refine-2", Map.of()));
    assertTrue(run.summary().contains("bronze records ->"), "recomputed whole: " + run.summary());
    assertEquals("WRITE", lh.history(SILVER).orderBy(org.apache.spark.sql.functions.col("version").desc()).first().getAs("operation"));
    assertEquals(34, lh.read(bronze).count());
    assertEquals(29, lh.read(SILVER).count() + lh.read(QUARANTINE).count(), "34 bronze records less 5 superseded copies (ids 5, 6, 24, 25, 28)");
  }

  @Test
  void anAnalystsInsertThatRepeatsAKeyIsCaughtByTheNextRefine() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    refinedThenPulledAgain(lh);
    // Outside lakeml, a copy of flight 1 is appended to silver: the ledger's verdict on the version
    // the next refine merges into does not cover it, so unique(id) is judged over the whole table.
    spark.sql("INSERT INTO delta.`" + lh.path(SILVER) + "` SELECT * FROM delta.`" + lh.path(SILVER) + "` WHERE id = 1");
    long before = lh.latestVersion(SILVER);
    dev.lakeml.LakemlException e =
        org.junit.jupiter.api.Assertions.assertThrows(dev.lakeml.LakemlException.class, () -> new RefineJob().run(fixture.context(lh, spec, "refine-2", Map.of())));
    assertTrue(e.getMessage().startsWith("Cannot commit silver.flights: expectations with action 'fail' were broken") && e.getMessage().contains("unique(id)"), e.getMessage());
    assertEquals(before, lh.latestVersion(SILVER), "nothing committed");
  }

  @Test
  void afterARequeueWithAFixedDimensionTheNextRefineRecomputes() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    refinedThenPulledAgain(lh);
    // ZZZ is added to the airports file and requeue moves its flights into silver: that commit names
    // the new airports version, but silver's other rows were looked up in the old one.
    java.nio.file.Files.writeString(dir.resolve("airports.csv"), "ZZZ,Test Field,Chicago,IL,USA,41.0,-87.0\n", java.nio.file.StandardOpenOption.APPEND);
    StageResult requeued = new dev.lakeml.jobs.RequeueJob().run(fixture.context(lh, spec, "requeue-1", Map.of()));
    assertTrue(requeued.summary().contains("now pass"), requeued.summary());
    StageResult run = new RefineJob().run(fixture.context(lh, spec, "refine-2", Map.of()));
    assertTrue(run.summary().contains("bronze records ->"), "recomputed whole, as the dimension changed since the last refine: " + run.summary());
    assertTrue(lh.read(SILVER).filter("id = 27").count() == 1, "27 (ZZZ, pulled after the fix) is in silver");
  }

  @Test
  void aDimensionFileMovedWithItsProjectIsTheSameDimension() throws Exception {
    fixture = new RequeueTest();
    fixture.dir = dir;
    PipelineSpec absolute = fixture.spec();
    // The spec names the dimension files relative to the project folder, as jobs/flights.conf does.
    List<PipelineSpec.Refined> dims = new ArrayList<>();
    for (PipelineSpec.Refined d : absolute.dimensions()) {
      dims.add(
          new PipelineSpec.Refined(
              d.table(), d.quarantineTable(), new PipelineSpec.FileInput("data/" + d.table() + ".csv", "csv", d.file().options()),
              d.recordSchema(), d.key(), d.lookups(), d.columns(), d.required(), d.expectations(), d.description(), false, d.pivot()));
    }
    PipelineSpec relative =
        new PipelineSpec(absolute.name(), absolute.description(), absolute.owner(), absolute.file(), absolute.source(), absolute.bronzeTable(), dims,
            absolute.silver(), absolute.gold(), absolute.model(), absolute.score(), absolute.monitor());
    Path first = java.nio.file.Files.createDirectories(dir.resolve("checkout-1/data"));
    Path second = java.nio.file.Files.createDirectories(dir.resolve("checkout-2/data"));
    for (String f : List.of("airports.csv", "state_timezones.csv")) {
      java.nio.file.Files.copy(dir.resolve(f), first.resolve(f));
      java.nio.file.Files.copy(dir.resolve(f), second.resolve(f));
      // A clone's files are written later than the first checkout's.
      java.nio.file.Files.setLastModifiedTime(second.resolve(f), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 3_600_000));
    }
    Lakehouse lh = TestSpark.freshLakehouse();
    fixture.writeBronze(lh, relative);
    TableId airports = TableId.of(Layer.SILVER, "airports");
    new RefineJob().run(inProject(lh, relative, first.getParent(), "refine-1"));
    long airportsVersion = lh.latestVersion(airports);
    long silverVersion = lh.latestVersion(SILVER);

    StageResult moved = new RefineJob().run(inProject(lh, relative, second.getParent(), "refine-2"));
    assertEquals(StageResult.SKIPPED, moved.status(), "the same bytes in another folder, written later: " + moved.summary());
    assertEquals(airportsVersion, lh.latestVersion(airports));
    assertEquals(silverVersion, lh.latestVersion(SILVER));

    java.nio.file.Files.writeString(second.resolve("airports.csv"), "ZZZ,Test Field,Chicago,IL,USA,41.0,-87.0\n", java.nio.file.StandardOpenOption.APPEND);
    StageResult changed = new RefineJob().run(inProject(lh, relative, second.getParent(), "refine-3"));
    assertTrue(lh.latestVersion(airports) > airportsVersion, "a changed file is a new dimension version: " + changed.summary());
    assertEquals(4, lh.read(airports).count());
    assertTrue(changed.summary().contains("bronze records ->"), "silver recomputed against the new dimension: " + changed.summary());
  }

  /** The fixture's context, with the project folder (what relative spec paths resolve against) at {@code project}. */
  private dev.lakeml.jobs.JobContext inProject(Lakehouse lh, PipelineSpec spec, Path project, String runId) {
    dev.lakeml.config.Settings t = TestSpark.settings(lh.root());
    dev.lakeml.config.Settings settings =
        new dev.lakeml.config.Settings(
            t.env(), t.root(), t.spark(), t.catalogType(), t.metastoreUri(), t.pushgateway(), t.allowMultiClusterWrites(), project, t.lineage(),
            t.timeTravelHorizonHours());
    return new dev.lakeml.jobs.JobContext(settings, spec, lh, runId, Map.of(), new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
  }

  @Test
  void aRecordWinsAgainstItselfAndLosesToANewerHolder() {
    Dataset<Row> parsed = spark.sql("SELECT 6L AS id, 'page-3.json' AS _source_file, 3 AS _record_index, TIMESTAMP'2001-02-02 00:00:00' AS _file_modified_at");
    Dataset<Row> times =
        spark.sql("SELECT * FROM VALUES ('page-1.json', TIMESTAMP'2001-02-01 00:00:00'), ('page-3.json', TIMESTAMP'2001-02-02 00:00:00'),"
            + " ('page-9.json', TIMESTAMP'2001-02-09 00:00:00') AS t(_source_file, _file_modified_at)");
    // Held in silver by an older copy, and in quarantine by this very record (merged there by a run
    // killed before its silver merge): the record must still win, or silver would keep the old copy.
    Dataset<Row> itself = spark.sql("SELECT * FROM VALUES ('6', 'page-1.json', 6), ('6', 'page-3.json', 3) AS h(_k, _source_file, _record_index)");
    assertEquals(List.of(6L), Refiner.newWinners(parsed, itself, times, "id").select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    Dataset<Row> newer = spark.sql("SELECT * FROM VALUES ('6', 'page-9.json', 0) AS h(_k, _source_file, _record_index)");
    assertEquals(0, Refiner.newWinners(parsed, newer, times, "id").count(), "a newer copy already held wins");
  }

  /** Silver and its quarantine table hold the same rows in both lakehouses (quarantine's run_id aside). */
  void assertSameRows(Lakehouse expected, Lakehouse actual) {
    for (TableId t : List.of(SILVER, QUARANTINE)) {
      Dataset<Row> e = expected.read(t).drop("run_id");
      Dataset<Row> a = actual.read(t).drop("run_id");
      assertEquals(e.count(), a.count(), t + " rows");
      assertEquals(0, e.exceptAll(a.select(e.columns()[0], java.util.Arrays.copyOfRange(e.columns(), 1, e.columns().length))).count(), t + " rows only a full recompute has");
      assertEquals(0, a.select(e.columns()[0], java.util.Arrays.copyOfRange(e.columns(), 1, e.columns().length)).exceptAll(e).count(), t + " rows only the merge has");
    }
  }
}
