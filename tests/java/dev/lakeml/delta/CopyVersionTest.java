package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@link Lakehouse#copyVersion}: a table's rows replaced by a version of another, by copying that
 * version's files (a deep clone): the same rows, the target's own files and docs, the commit's
 * lineage and metrics; refused, with nothing committed, when the layouts differ.
 */
class CopyVersionTest {
  static final TableId FROM = TableId.of(Layer.GOLD, "copy_from_test");
  static final TableId TO = TableId.of(Layer.GOLD, "copy_to_test");
  static final Lakehouse.Write LAYOUT = Lakehouse.Write.overwrite().clusteredBy("day", 40).statsOn(List.of("id", "day"));

  static Dataset<Row> rows(Lakehouse lh, long from, long to) {
    return lh.spark().range(from, to, 1, 2).selectExpr("id", "date_add(DATE'2001-01-01', CAST(id % 30 AS INT)) AS day", "CAST(id * 3 AS STRING) AS v");
  }

  static List<Row> sorted(Dataset<Row> d) {
    return d.orderBy("id").collectAsList();
  }

  @Test
  void theTargetHoldsTheVersionsRowsInItsOwnFilesAndSurvivesAVacuumOfTheSource() {
    Lakehouse lh = TestSpark.freshLakehouse();
    lh.write(rows(lh, 0, 50), TO, LAYOUT, Map.of("run_id", "old"));
    lh.spark().sql("ALTER TABLE delta.`" + lh.path(TO) + "` ALTER COLUMN v COMMENT 'the value'");
    long copied = lh.write(rows(lh, 100, 300), FROM, LAYOUT, Map.of("run_id", "candidate"));
    lh.write(rows(lh, 900, 950), FROM, LAYOUT, Map.of("run_id", "newer")); // the version copied is not the newest

    long v = lh.copyVersion(FROM, copied, TO, LAYOUT, Map.of("run_id", "publish", "candidate_version", copied)).orElseThrow();

    assertEquals(lh.latestVersion(TO), v);
    List<Row> expected = sorted(lh.read(FROM, copied));
    assertEquals(200, expected.size());
    assertEquals(expected, sorted(lh.read(TO)));
    for (String f : lh.read(TO).inputFiles()) {
      assertTrue(f.contains("/copy_to_test/"), "a file of its own: " + f);
    }
    Row h = lh.history(TO).filter("version = " + v).first();
    assertEquals("WRITE", h.getAs("operation"));
    Map<String, String> metrics = h.getJavaMap(h.fieldIndex("operationMetrics"));
    assertEquals("200", metrics.get("numOutputRows"), metrics.toString());
    assertEquals("publish", lh.lastCommitInfo(TO, "candidate_version").orElseThrow().get("run_id"));
    assertEquals("the value", lh.read(TO).schema().apply("v").getComment().get(), "the target's docs stay");
    List<Row> adds = lh.spark().read().json(lh.path(TO) + "/_delta_log/" + String.format("%020d", v) + ".json").where("add IS NOT NULL").select("add.path", "add.stats").collectAsList();
    assertEquals(String.valueOf(adds.size()), metrics.get("numFiles"));
    for (Row a : adds) {
      assertTrue(a.getString(0).startsWith("part-copy-") && a.getString(1).contains("\"numRecords\"") && a.getString(1).contains("\"minValues\""), a.toString());
    }
    assertEquals(expected.subList(0, 1), lh.read(TO).filter("id = 100").collectAsList());
    assertEquals(sorted(rows(lh, 0, 50)), sorted(lh.read(TO, v - 1)), "the old version is still there");

    // The source overwritten and vacuumed to nothing: the copies are the target's own.
    lh.write(rows(lh, 0, 1), FROM, LAYOUT, Map.of("run_id", "later"));
    String check = "spark.databricks.delta.retentionDurationCheck.enabled";
    lh.spark().conf().set(check, "false");
    try {
      lh.spark().sql("VACUUM delta.`" + lh.path(FROM) + "` RETAIN 0 HOURS");
    } finally {
      lh.spark().conf().unset(check);
    }
    assertEquals(expected, sorted(lh.read(TO)));
  }

  @Test
  void aMissingTargetIsCreatedByTheCopyAsAWriteWouldCreateIt() {
    Lakehouse lh = TestSpark.freshLakehouse();
    long copied = lh.write(rows(lh, 0, 120), FROM, LAYOUT, Map.of("run_id", "candidate"));
    TableId written = TableId.of(Layer.GOLD, "copy_written_test");
    lh.write(lh.read(FROM, copied), written, LAYOUT, Map.of("run_id", "publish"));

    assertEquals(Optional.of(0L), lh.copyVersion(FROM, copied, TO, LAYOUT, Map.of("run_id", "publish")));

    assertEquals(sorted(lh.read(FROM, copied)), sorted(lh.read(TO)));
    Row h = lh.history(TO).first();
    assertEquals("CREATE TABLE AS SELECT", h.getAs("operation"));
    assertEquals("{\"run_id\":\"publish\"}", h.getAs("userMetadata"), "the lineage, as a write's");
    assertEquals("120", h.<String, String>getJavaMap(h.fieldIndex("operationMetrics")).get("numOutputRows"));
    // The table the write created and the one the copy created: the same schema, properties and protocol.
    for (String c : List.of("properties", "minReaderVersion", "minWriterVersion", "partitionColumns", "description")) {
      assertEquals(detail(lh, written, c), detail(lh, TO, c), c);
    }
    assertEquals(lh.read(written).schema(), lh.read(TO).schema());
    assertTrue(detail(lh, TO, "properties").toString().contains("delta.dataSkippingStatsColumns=id,day"), detail(lh, TO, "properties").toString());
  }

  @Test
  void aTableCreatedByTheCopyTakesTheSessionsDeltaTableDefaultsAsAWriteDoes() {
    Lakehouse lh = TestSpark.freshLakehouse();
    String setting = "spark.databricks.delta.properties.defaults.dataSkippingNumIndexedCols";
    lh.spark().conf().set(setting, "7");
    try {
      long copied = lh.write(rows(lh, 0, 30), FROM, LAYOUT, Map.of());
      TableId written = TableId.of(Layer.GOLD, "copy_written_test");
      lh.write(lh.read(FROM, copied), written, LAYOUT, Map.of());

      assertEquals(Optional.of(0L), lh.copyVersion(FROM, copied, TO, LAYOUT, Map.of()), "created, the default merged in as the write merged it");

      assertTrue(detail(lh, TO, "properties").toString().contains("delta.dataSkippingNumIndexedCols=7"), detail(lh, TO, "properties").toString());
      assertEquals(detail(lh, written, "properties"), detail(lh, TO, "properties"));
    } finally {
      lh.spark().conf().unset(setting);
    }
  }

  static Object detail(Lakehouse lh, TableId t, String column) {
    Row d = lh.spark().sql("DESCRIBE DETAIL delta.`" + lh.path(t) + "`").first();
    Object v = d.get(d.fieldIndex(column));
    return v instanceof scala.collection.Map<?, ?> m ? new java.util.TreeMap<>(scala.collection.JavaConverters.mapAsJavaMap(m)) : v;
  }

  @Test
  void aDifferentLayoutOrTheLeftoversOfAKilledCreationAreRefusedWithNothingCommitted() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    long copied = lh.write(rows(lh, 0, 20), FROM, LAYOUT, Map.of());
    TableId killed = TableId.of(Layer.GOLD, "copy_killed_test");
    java.nio.file.Path dir = java.nio.file.Path.of(lh.path(killed).replaceFirst("^file:", ""));
    java.nio.file.Files.createDirectories(dir.resolve("_delta_log"));
    assertEquals(Optional.empty(), lh.copyVersion(FROM, copied, killed, LAYOUT, Map.of()), "leftovers of a killed first commit: the write creates the table");
    assertTrue(!lh.exists(killed));
    assertEquals(List.of("_delta_log"), java.util.Arrays.stream(dir.toFile().list()).toList(), "no copy left behind");

    lh.write(rows(lh, 0, 20).withColumn("extra", org.apache.spark.sql.functions.lit(1)), TO, LAYOUT, Map.of());
    long before = lh.latestVersion(TO);
    assertEquals(Optional.empty(), lh.copyVersion(FROM, copied, TO, LAYOUT, Map.of()), "another schema");
    assertEquals(before, lh.latestVersion(TO));

    List<String> changes = List.of(
        "ADD CONSTRAINT small CHECK (id < 1000)", // a write would check it
        "SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')");
    for (int i = 0; i < changes.size(); i++) {
      String change = changes.get(i);
      TableId t = TableId.of(Layer.GOLD, "copy_refused_" + i + "_test");
      lh.write(rows(lh, 0, 20), t, LAYOUT, Map.of());
      lh.spark().sql("ALTER TABLE delta.`" + lh.path(t) + "` " + change);
      long v = lh.latestVersion(t);
      assertEquals(Optional.empty(), lh.copyVersion(FROM, copied, t, LAYOUT, Map.of()), change);
      assertEquals(v, lh.latestVersion(t), change);
    }

    TableId other = TableId.of(Layer.GOLD, "copy_other_stats_test");
    lh.write(rows(lh, 0, 20), other, Lakehouse.Write.overwrite().statsOn(List.of("id")), Map.of());
    long otherBefore = lh.latestVersion(other);
    assertEquals(Optional.empty(), lh.copyVersion(FROM, copied, other, LAYOUT, Map.of()), "other statistics columns");
    assertEquals(otherBefore, lh.latestVersion(other));
  }
}
