package dev.lakeml.quality;

import static dev.lakeml.quality.IncrementalRefineTest.record;
import static dev.lakeml.quality.RequeueTest.flight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.FeaturesJob;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.RefineJob;
import dev.lakeml.jobs.StageResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * features after silver took in a few new or updated records rebuilds only the gold rows of the days
 * those records are dated and of the days whose trailing windows reach them, and gold is then what a
 * full rebuild gives; a candidates table that no longer holds what gold shows (a run killed after its
 * candidate), or a replaced silver file that VACUUM deleted, means a full rebuild.
 */
class IncrementalFeaturesTest {
  static final TableId SILVER = RequeueTest.SILVER;
  static final TableId GOLD = TableId.of(Layer.GOLD, "flight_features");
  static final TableId CANDIDATES = TableId.of(Layer.GOLD, "flight_features_candidates");
  static final TableId GOLD_QUARANTINE = TableId.of(Layer.GOLD, "flight_features_quarantine");

  @TempDir Path dir;
  final SparkSession spark = TestSpark.session();
  RequeueTest fixture;
  PipelineSpec spec;

  JobContext context(Lakehouse lh, String runId, Map<String, String> options) {
    return fixture.context(lh, spec, runId, options);
  }

  void pull(Lakehouse lh, List<Row> records) {
    lh.write(spark.createDataFrame(records, RequeueTest.BRONZE), TableId.of(Layer.BRONZE, spec.bronzeTable()), Lakehouse.Write.append(), Map.of("run_id", "ingest"));
  }

  @Test
  void aFewNewSilverRowsRebuildOnlyTheDaysTheyReachAndGiveWhatAFullRebuildGives() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    fixture = new RequeueTest();
    fixture.dir = dir;
    spec = fixture.spec();
    // As in a job, each write is followed by its docs commit: versions read back are one past the data.
    dev.lakeml.catalog.AnalystCatalog.activate(lh, spec);
    try {
      fixture.writeBronze(lh, spec); // flights 1..25 dated 2001-01-02..26; 21..25 quarantined in silver
      new RefineJob().run(context(lh, "refine-1", Map.of()));
      StageResult first = new FeaturesJob().run(context(lh, "features-1", Map.of()));
      assertTrue(first.summary().startsWith("20 rows from silver.flights"), first.summary());
      // Gold and its candidates keep file statistics for the key and the event date, what reads filter on.
      for (TableId t : List.of(GOLD, CANDIDATES)) {
        assertEquals("id,event_date", lh.spark().sql("SHOW TBLPROPERTIES delta.`" + lh.path(t) + "` ('" + Lakehouse.STATS_COLUMNS + "')").first().getString(1), t.toString());
      }
      // Silver for its key and its dates and timestamps; its quarantine and the dimensions as Delta does.
      assertEquals(
          "id,dep_time_local,dep_time_utc,flight_date",
          lh.spark().sql("SHOW TBLPROPERTIES delta.`" + lh.path(SILVER) + "` ('" + Lakehouse.STATS_COLUMNS + "')").first().getString(1));
      for (String other : List.of("silver.flights_quarantine", "silver.airports")) {
        String value = lh.spark().sql("SHOW TBLPROPERTIES delta.`" + lh.path(TableId.parse(other)) + "` ('" + Lakehouse.STATS_COLUMNS + "')").first().getString(1);
        assertTrue(value.contains("does not have"), other + ": " + value);
      }
      List<String> stats = lh.spark().read().json(lh.path(SILVER) + "/_delta_log/*.json").where("add.stats IS NOT NULL").select("add.stats").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      assertTrue(!stats.isEmpty() && stats.stream().allMatch(x -> x.contains("\"dep_time_utc\"") && !x.contains("_page_sha256")), stats.toString());

      String at = "2001-02-02 00:00:00";
      pull(
          lh,
          List.of(
              record("page-3.json", at, 0, "26", flight(26, "ORD", 700)), // new, dated 01-27
              record("page-3.json", at, 1, "54", flight(54, "LAX", 800)), // new, dated 01-27
              record("page-3.json", at, 2, "55", flight(55, "ZZZ", 700)), // new, unknown airport: silver's quarantine
              record("page-3.json", at, 3, "25", flight(25, "ORD", 700)))); // was quarantined, now valid: dated 01-26
      StageResult merged = new RefineJob().run(context(lh, "refine-2", Map.of()));
      assertTrue(merged.summary().contains("merged into silver.flights"), merged.summary());
      StageResult increment = new FeaturesJob().run(context(lh, "features-2", Map.of()));
      assertTrue(
          increment.summary().startsWith("rows dated 2001-01-26..2001-02-24 rebuilt (silver.flights v")
              && increment.summary().contains("changed rows dated 2001-01-26..2001-01-27 since v")
              && increment.summary().contains("(23 rows)"),
          "the new days and the 28 days after them: " + increment.summary());
      Row commit = lh.history(GOLD).orderBy(org.apache.spark.sql.functions.col("version").desc()).first();
      assertEquals("3", commit.<scala.collection.Map<String, String>>getAs("operationMetrics").get("numOutputRows").get(), "gold rows 25, 26 and 54 written, not all 23");
      // unique(id) judged from the rows written and the ids kept, as the version before passed it.
      Row unique = lh.read(QualityLedger.TABLE).filter("run_id = 'features-2' AND table_name = '" + GOLD + "' AND rule = 'unique'").first();
      assertEquals(true, unique.getAs("passed"));
      assertTrue(unique.<String>getAs("message").endsWith(" passed; the 3 rows written are unique on id and the rows kept hold none of their values)"), unique.<String>getAs("message"));
      // The publish names the days it replaced, for train's window check (UnchangedWindowTest).
      Map<String, Object> published = lh.lastCommitInfo(GOLD, "source_version").orElseThrow();
      assertEquals("2001-01-26", published.get(FeaturesJob.REBUILT_FROM), published.toString());
      assertEquals("2001-02-24", published.get(FeaturesJob.REBUILT_TO), published.toString());

      // The same silver, gold rebuilt whole.
      Dataset<Row> incremental = spark.createDataFrame(lh.read(GOLD).collectAsList(), lh.read(GOLD).schema());
      Dataset<Row> incrementalQuarantine = spark.createDataFrame(lh.read(GOLD_QUARANTINE).drop("run_id").collectAsList(), lh.read(GOLD_QUARANTINE).drop("run_id").schema());
      StageResult full = new FeaturesJob().run(context(lh, "features-full", Map.of("force", "")));
      assertTrue(full.summary().startsWith("23 rows from silver.flights"), full.summary());
      assertSameRows(lh.read(GOLD), incremental, "gold");
      assertSameRows(lh.read(GOLD_QUARANTINE).drop("run_id"), incrementalQuarantine, "gold quarantine");
      assertEquals(3L, lh.read(GOLD).filter("id = 26").first().<Long>getAs("origin_flights_7d"), "ORD flights 19, 20 (Jan 20, 21) and 25 (Jan 26, merged this run) in the 7 days before Jan 27");

      // A re-pulled record: the MERGE rewrites the file that holds it, and the rows of that file that
      // did not change are not taken for changed.
      pull(lh, List.of(record("page-5.json", "2001-02-04 00:00:00", 0, "26", flight(26, "ORD", 900))));
      new RefineJob().run(context(lh, "refine-3", Map.of()));
      assertEquals(1, lh.history(SILVER).filter("operation = 'MERGE' AND operationMetrics['numTargetRowsUpdated'] = '1'").count(), "26 updated in place");
      StageResult update = new FeaturesJob().run(context(lh, "features-3", Map.of()));
      assertTrue(update.summary().startsWith("rows dated 2001-01-27..2001-02-24 rebuilt") && update.summary().contains("changed rows dated 2001-01-27..2001-01-27"), update.summary());
      assertEquals(900, lh.read(GOLD).filter("id = 26").first().<Integer>getAs("distance"));
      Dataset<Row> updated = spark.createDataFrame(lh.read(GOLD).collectAsList(), lh.read(GOLD).schema());
      assertSameRows(rebuiltWhole(lh), updated, "gold after an update");

      // An analyst's OPTIMIZE compacts silver's files: no row changed, so no gold row is rebuilt; gold
      // still records the silver version it is up to date with.
      io.delta.tables.DeltaTable.forPath(spark, lh.path(SILVER)).optimize().executeCompaction();
      assertTrue(!lh.filesTouched(SILVER, lh.latestVersion(SILVER) - 1, lh.latestVersion(SILVER)).orElseThrow().removed().isEmpty(), "OPTIMIZE rewrote files");
      long goldBefore = lh.latestVersion(GOLD);
      StageResult none = new FeaturesJob().run(context(lh, "features-6", Map.of()));
      assertTrue(none.summary().startsWith("no row of silver.flights changed since v"), none.summary());
      Map<String, Object> unchanged = lh.lastCommitInfo(GOLD, "source_version").orElseThrow();
      assertEquals(String.valueOf(lh.latestVersion(SILVER)), String.valueOf(unchanged.get("source_version")), unchanged.toString());
      assertTrue(!unchanged.containsKey(FeaturesJob.REBUILT_FROM), "no days named as replaced: " + unchanged);
      assertTrue(lh.commitsAfter(GOLD, goldBefore, lh.latestVersion(GOLD)).orElseThrow().stream().noneMatch(Lakehouse.Commit::dataChange), "no data file added or removed");
      assertSameRows(lh.read(GOLD), updated, "gold after silver's OPTIMIZE");
      assertTrue(new FeaturesJob().run(context(lh, "features-6b", Map.of())).status().equals(StageResult.SKIPPED), "then up to date");

      // A run killed after its candidate's commit, before publishing: the candidates table no longer
      // holds what gold shows, so the next run rebuilds whole.
      lh.write(lh.read(CANDIDATES), CANDIDATES, Lakehouse.Write.overwrite(), Map.of("run_id", "killed", "source_table", "silver.flights", "source_version", 99));
      pull(lh, List.of(record("page-4.json", "2001-02-03 00:00:00", 0, "27", flight(27, "JFK", 500))));
      new RefineJob().run(context(lh, "refine-4", Map.of()));
      StageResult afterKill = new FeaturesJob().run(context(lh, "features-4", Map.of()));
      assertTrue(afterKill.summary().startsWith("24 rows from silver.flights"), "rebuilt whole: " + afterKill.summary());

      // The file a MERGE replaced is gone (VACUUM): the changed rows cannot be told, so gold is rebuilt whole.
      long beforeMerge = lh.latestVersion(SILVER);
      pull(lh, List.of(record("page-6.json", "2001-02-05 00:00:00", 0, "26", flight(26, "ORD", 950))));
      new RefineJob().run(context(lh, "refine-5", Map.of()));
      List<String> replaced = lh.filesTouched(SILVER, beforeMerge, lh.latestVersion(SILVER)).orElseThrow().removed();
      assertEquals(1, replaced.size(), "the MERGE rewrote the file holding 26");
      java.nio.file.Files.delete(Path.of(lh.path(SILVER), replaced.get(0)));
      StageResult vacuumed = new FeaturesJob().run(context(lh, "features-5", Map.of()));
      assertTrue(vacuumed.summary().startsWith("24 rows from silver.flights"), "rebuilt whole: " + vacuumed.summary());
      assertEquals(950, lh.read(GOLD).filter("id = 26").first().<Integer>getAs("distance"));

      // Every table refine and features wrote is documented for analysts, lineage and quarantine
      // columns and the candidates table included.
      dev.lakeml.catalog.CatalogDocs docs = dev.lakeml.catalog.CatalogDocs.forPipeline(spec);
      List<String> undocumented = new java.util.ArrayList<>();
      List<TableId> tables = new java.util.ArrayList<>();
      for (Layer layer : List.of(Layer.SILVER, Layer.GOLD)) {
        try (var folders = java.nio.file.Files.list(Path.of(lh.root(), layer.dbName()))) {
          folders.forEach(f -> tables.add(TableId.of(layer, f.getFileName().toString())));
        }
      }
      assertTrue(tables.contains(CANDIDATES) && tables.contains(GOLD_QUARANTINE) && tables.contains(RequeueTest.QUARANTINE), tables.toString());
      for (TableId t : tables) {
        dev.lakeml.catalog.TableDoc doc = docs.doc(t, lh.read(t).schema());
        if (doc.description().contains(dev.lakeml.catalog.CatalogDocs.UNDOCUMENTED)) {
          undocumented.add(t + " (description)");
        }
        doc.columns().forEach((column, comment) -> {
          if (comment.startsWith(dev.lakeml.catalog.CatalogDocs.UNDOCUMENTED)) {
            undocumented.add(t + "." + column);
          }
        });
      }
      assertEquals(List.of(), undocumented);
    } finally {
      dev.lakeml.catalog.AnalystCatalog.forget(spark);
    }
  }

  /**
   * The gold rows a full rebuild from silver's latest version publishes, computed by the transforms
   * {@code features --force} runs (above, the forced run itself is compared), without its commits.
   */
  Dataset<Row> rebuiltWhole(Lakehouse lh) {
    Map<String, Dataset<Row>> dims = new java.util.LinkedHashMap<>();
    for (PipelineSpec.Refined d : spec.dimensions()) {
      dims.put(d.table(), lh.read(TableId.of(Layer.SILVER, d.table())));
    }
    Dataset<Row> features = dev.lakeml.features.PointInTimeFeatures.build(lh.read(SILVER), spec.silver().key(), spec.gold());
    return RowRules.valid(RowRules.annotate(features, spec.gold().expectations(), dims));
  }

  static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual, String what) {
    Dataset<Row> a = actual.select(expected.columns()[0], java.util.Arrays.copyOfRange(expected.columns(), 1, expected.columns().length));
    assertEquals(expected.count(), a.count(), what + " rows");
    assertEquals(0, expected.exceptAll(a).count(), what + ": rows only the full rebuild has");
    assertEquals(0, a.exceptAll(expected).count(), what + ": rows only the incremental run has");
  }
}
