package dev.lakeml.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.jobs.StageResult;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnalystCatalogTest {
  static PipelineSpec spec;
  static Lakehouse lh;

  @BeforeAll
  static void setUp() {
    spec = AnalystFixtures.spec();
    lh = AnalystFixtures.lakehouse();
  }

  @AfterAll
  static void dropViews() {
    CuratedViews.drop(lh, spec); // TestSpark.freshLakehouse drops tables by name, not views
    AnalystCatalog.forget(lh.spark()); // other test classes write tables without docs commits
  }

  @Test
  void everyColumnGetsACommentAndGoldFeaturesAreDescribedFromTheSpec() {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("route_late_rate_28d", DataTypes.DoubleType).add("dep_hour", DataTypes.IntegerType).add("odd", DataTypes.StringType);
    TableDoc doc = CatalogDocs.forPipeline(spec).doc(AnalystFixtures.FEATURES, schema);
    assertEquals(spec.gold().description(), doc.description());
    assertEquals("flights-data-team", doc.owner());
    assertEquals(List.of("id", "route_late_rate_28d", "dep_hour", "odd"), List.copyOf(doc.columns().keySet()));
    assertTrue(doc.columns().get("id").startsWith("Flight record id"), doc.columns().get("id"));
    assertEquals(
        "Feature: Mean of is_late per origin, destination over the 28 days before flight_date (point in time: the row's own day is excluded); NULL without history.",
        doc.columns().get("route_late_rate_28d"));
    assertEquals("Feature: hour(dep_time_local).", doc.columns().get("dep_hour"));
    assertTrue(doc.columns().get("odd").startsWith(CatalogDocs.UNDOCUMENTED));
    assertEquals("ml-platform", CatalogDocs.forPipeline(spec).doc(AnalystFixtures.REGISTRY, schema).owner());
  }

  @Test
  void unknownKeysInTheDocsResourceAreRejected() {
    var bad = ConfigFactory.parseString("tables { \"gold.x\" { owner = a, ownr = b } }");
    LakemlException e = assertThrows(LakemlException.class, () -> CatalogDocs.parse(spec, bad, "catalog/t.conf"));
    assertTrue(e.getMessage().contains("unknown key 'ownr' in table gold.x"), e.getMessage());
  }

  @Test
  void describeShowsCommentsAndPropertiesAndAppliesThemOnce() {
    List<TableId> tables = lh.registerAll();
    AnalystCatalog.publish(lh, spec, tables);
    long after = lh.latestVersion(AnalystFixtures.FEATURES);
    assertTrue(lh.history(AnalystFixtures.FEATURES).filter("operation = 'SET TBLPROPERTIES'").count() >= 1, "a metadata commit for the docs");
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    assertEquals(after, lh.latestVersion(AnalystFixtures.FEATURES), "unchanged docs commit nothing");

    Map<String, String> describe = new HashMap<>();
    Map<String, String> columns = new HashMap<>();
    boolean detail = false;
    for (Row r : lh.spark().sql("DESCRIBE TABLE EXTENDED gold.flight_features").collectAsList()) {
      String name = r.getString(0);
      if (name.startsWith("# Detailed")) {
        detail = true;
      } else if (detail) {
        describe.put(name, r.getString(1));
      } else if (!name.isBlank() && !name.startsWith("#")) {
        columns.put(name, r.getString(2));
      }
    }
    assertEquals(spec.gold().description(), describe.get("Comment"));
    String props = describe.get("Table Properties");
    assertTrue(props.contains("lakeml.owner=flights-data-team"), props);
    assertTrue(props.contains("lakeml.refresh=each features run after silver.flights changed"), props);
    assertTrue(props.contains("lakeml.source=silver.flights"), props);
    assertTrue(props.contains("lakeml.description="), props);
    assertEquals("Label: 1 when the flight arrived more than 15 minutes late, else 0.", columns.get("is_late"));
    assertTrue(columns.values().stream().allMatch(c -> c != null && !c.isBlank()), columns.toString());
    // Time travel still reads the data versions.
    assertEquals(3, lh.spark().sql("SELECT * FROM gold.flight_features VERSION AS OF 0").count(), "time travel still reads the first data version");
  }

  @Test
  void anOverwriteKeepsItsDocsSoTheNextSessionCommitsNothing() {
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    // A job's overwrite carries no comments in its schema: they would be lost without the hook.
    lh.write(
        lh.spark().sql("SELECT * FROM VALUES (1L, DATE'2001-06-01', 'SFO', 0, 0.10D) AS t(id, event_date, origin, is_late, origin_late_rate_7d)"),
        AnalystFixtures.FEATURES, Lakehouse.Write.overwrite(), Map.of("run_id", "r2"));
    long v = lh.latestVersion(AnalystFixtures.FEATURES);
    assertEquals("WRITE", lh.history(AnalystFixtures.FEATURES).orderBy(org.apache.spark.sql.functions.col("version").desc()).first().getAs("operation"), "the overwrite carried the column comments: no docs commit after it");
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    assertEquals(v, lh.latestVersion(AnalystFixtures.FEATURES), "a new session finds the docs in place: no version a downstream job would see as new input");
    Row isLate = lh.spark().sql("DESCRIBE TABLE gold.flight_features").filter("col_name = 'is_late'").first();
    assertEquals("Label: 1 when the flight arrived more than 15 minutes late, else 0.", isLate.getString(2));
  }

  @Test
  void aTableCreatedInADocumentingSessionHasItsDocsInItsFirstCommit() {
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    TableId created = TableId.of(Layer.GOLD, "created_in_test");
    var rows = lh.spark().sql("SELECT * FROM VALUES (1L, DATE'2001-06-01', 1) AS t(id, event_date, is_late)");
    long v = lh.write(rows, created, Lakehouse.Write.append().idempotent("test.created", 1).partitionedBy("event_date"), Map.of("run_id", "r9"));
    assertEquals(0, v, "one commit: data and docs");
    Row first = lh.history(created).first();
    assertEquals("CREATE TABLE AS SELECT", first.getAs("operation"));
    assertEquals("{\"run_id\":\"r9\"}", first.getAs("userMetadata"), "the lineage is the commit's userMetadata, as for any write");
    Row detail = lh.spark().sql("DESCRIBE DETAIL delta.`" + lh.path(created) + "`").first();
    assertEquals(List.of("event_date"), detail.getList(detail.fieldIndex("partitionColumns")));
    TableDoc doc = CatalogDocs.forPipeline(spec).doc(created, rows.schema());
    Map<String, String> describe = new HashMap<>();
    boolean info = false;
    for (Row r : lh.spark().sql("DESCRIBE TABLE EXTENDED delta.`" + lh.path(created) + "`").collectAsList()) {
      info |= r.getString(0).startsWith("# Detailed");
      describe.putIfAbsent(r.getString(0), info ? r.getString(1) : r.getString(2));
    }
    assertEquals(doc.description(), describe.get("Comment"));
    assertTrue(describe.get("Table Properties").contains("lakeml.owner=" + doc.owner()), describe.get("Table Properties"));
    assertEquals(doc.columns().get("is_late"), describe.get("is_late"));
    // Documenting it again commits nothing; the idempotent write's transaction id was committed with it.
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    assertEquals(0, lh.latestVersion(created), "no docs commit after a documented creation");
    lh.write(rows, created, Lakehouse.Write.append().idempotent("test.created", 1), Map.of("run_id", "r9"));
    assertEquals(0, lh.latestVersion(created), "the same idempotent write again is skipped");
    assertEquals(1, lh.read(created).count());
  }

  @Test
  void aTableCreatedByACopyHasTheDocsADocumentedWriteGivesIt() {
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    TableId candidates = TableId.of(Layer.GOLD, "copied_candidates_test");
    var rows = lh.spark().sql("SELECT * FROM VALUES (1L, DATE'2001-06-01', 1), (2L, DATE'2001-06-02', 0) AS t(id, event_date, is_late)");
    Lakehouse.Write layout = Lakehouse.Write.overwrite().statsOn(List.of("id", "event_date"));
    long cv = lh.write(rows, candidates, layout, Map.of("run_id", "c"));
    TableId written = TableId.of(Layer.GOLD, "written_in_test");
    TableId copied = TableId.of(Layer.GOLD, "copied_in_test");
    lh.write(lh.read(candidates, cv), written, layout, Map.of("run_id", "r11"));

    assertEquals(java.util.Optional.of(0L), lh.copyVersion(candidates, cv, copied, layout, Map.of("run_id", "r11")));

    AnalystCatalog.publish(lh, spec, lh.registerAll());
    assertEquals(0, lh.latestVersion(copied), "data and docs in one commit: documenting again commits nothing");
    assertEquals(0, lh.latestVersion(written));
    assertEquals(describe(written), describe(copied));
    assertEquals(CatalogDocs.forPipeline(spec).doc(copied, rows.schema()).description().replace(copied.toString(), "<table>"), describe(copied).get("Comment"));
  }

  /** DESCRIBE TABLE EXTENDED as a map, the table's own name and folder left out. */
  private Map<String, String> describe(TableId t) {
    Map<String, String> out = new java.util.TreeMap<>();
    boolean info = false;
    for (Row r : lh.spark().sql("DESCRIBE TABLE EXTENDED " + t).collectAsList()) {
      info |= r.getString(0).startsWith("# Detailed");
      if (!List.of("Name", "Location", "Table").contains(r.getString(0))) {
        out.putIfAbsent(r.getString(0), (info ? r.getString(1) : r.getString(1) + " " + r.getString(2)).replace(t.toString(), "<table>"));
      }
    }
    return out;
  }

  @Test
  void aTableWhoseFirstCommitWasKilledIsCreatedOverTheLeftoversAndDocumented() throws Exception {
    AnalystCatalog.publish(lh, spec, lh.registerAll());
    TableId created = TableId.of(Layer.GOLD, "killed_in_test");
    // What a process killed inside the table's first commit leaves: data files, a log with no commit.
    java.nio.file.Path dir = java.nio.file.Path.of(lh.path(created).replaceFirst("^file:", ""));
    java.nio.file.Files.createDirectories(dir.resolve("_delta_log"));
    java.nio.file.Files.writeString(dir.resolve("part-00000-leftover.snappy.parquet"), "not a whole file");
    var rows = lh.spark().sql("SELECT 1L AS id, 1 AS is_late");
    long v = lh.write(rows, created, Lakehouse.Write.overwrite(), Map.of("run_id", "r10"));
    assertEquals(1, lh.read(created).count(), "the leftover file is not part of the table");
    assertEquals(List.of("WRITE", "SET TBLPROPERTIES"), lh.history(created).orderBy("version").select("operation").as(org.apache.spark.sql.Encoders.STRING()).collectAsList(),
        "a path-based write, documented by a docs commit after it");
    assertEquals(1, v, "the version the write ends on: the docs commit's");
    assertEquals(CatalogDocs.forPipeline(spec).doc(created, rows.schema()).description(),
        lh.spark().sql("DESCRIBE TABLE EXTENDED delta.`" + lh.path(created) + "`").filter("col_name = 'Comment'").first().getString(1));
  }

  @Test
  void curatedViewsAnswerTheCommonQuestions() {
    List<TableId> views = AnalystCatalog.publish(lh, spec, lh.registerAll());
    assertTrue(views.contains(TableId.of(Layer.GOLD, "latest_predictions")), views.toString());
    assertFalse(views.contains(TableId.of(Layer.OPS, "feature_drift_over_time")), "no ops.feature_drift table yet");
    assertFalse(views.contains(TableId.of(Layer.OPS, "quality_status")), "no ops.quality_results table in the fixture");

    List<Row> latest = lh.spark().sql("SELECT id, model_version, probability FROM gold.latest_predictions ORDER BY id").collectAsList();
    assertEquals(3, latest.size());
    assertEquals(List.of(1L, 2, 0.4), List.of(latest.get(0).getLong(0), latest.get(0).getInt(1), latest.get(0).getDouble(2)), "flight 1: model v2 wins");
    assertEquals(1, latest.get(1).getInt(1), "flight 2 was scored by v1 only");

    Row best = lh.spark().sql("SELECT version, auc_rank, is_newest FROM ops.model_leaderboard WHERE auc_rank = 1").first();
    assertEquals(1, best.getInt(0));
    assertFalse(best.getBoolean(2));

    lh.write(
        lh.spark().sql("SELECT 'origin_late_rate_7d' AS feature, 'psi' AS metric, 0.12D AS value, 'warn' AS status, TIMESTAMP'2001-06-02 00:00:00' AS computed_at"),
        TableId.of(Layer.OPS, "feature_drift"), Lakehouse.Write.append(), Map.of());
    assertTrue(AnalystCatalog.publish(lh, spec, lh.registerAll()).contains(TableId.of(Layer.OPS, "feature_drift_over_time")));
    assertEquals(1, lh.spark().sql("SELECT * FROM ops.feature_drift_over_time").count());

    // ops.run_summary counts stages by the status the jobs record: an up-to-date stage is a skipped one.
    Instant started = Instant.parse("2001-07-01T00:00:00Z");
    RunLedger.record(
        lh, "20010701T000000Z-cccc", "run", spec.name(), "test", started, started.plusSeconds(12), "failed", "boom",
        List.of(stage("ingest", StageResult.SKIPPED), stage("refine", StageResult.SUCCEEDED), stage("features", StageResult.SKIPPED), stage("train", "failed")));
    assertTrue(AnalystCatalog.publish(lh, spec, lh.registerAll()).contains(TableId.of(Layer.OPS, "run_summary")));
    Row run = lh.spark().sql("SELECT stages_succeeded, stages_skipped, seconds, status FROM ops.run_summary WHERE run_id = '20010701T000000Z-cccc'").first();
    assertEquals(List.of(1, 2, 12.0, "failed"), List.of(run.getInt(0), run.getInt(1), ((Number) run.get(2)).doubleValue(), run.getString(3)), "2 of 4 stages up to date, 1 succeeded, 1 failed");
  }

  private static StageResult stage(String name, String status) {
    return new StageResult(name, status, 1.0, Map.of(), Map.of(), name + " " + status);
  }
}
