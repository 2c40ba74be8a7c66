package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.catalog.AnalystCatalog;
import dev.lakeml.catalog.AnalystFixtures;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** {@link Lakehouse.Write#statsOn}: a table it creates keeps Delta's file statistics for those columns only. */
class StatsColumnsTest {
  static final TableId T = TableId.of(Layer.BRONZE, "stats_columns_test");

  static Dataset<Row> rows(Lakehouse lh) {
    return lh.spark().range(0, 100, 1, 2).selectExpr("id", "CAST(id * 2 AS STRING) AS record_id", "repeat('x', 200) AS payload");
  }

  /** The stats JSON of every file the log added. */
  static List<String> stats(Lakehouse lh) {
    return lh.spark().read().json(lh.path(T) + "/_delta_log/*.json").where("add.stats IS NOT NULL").select("add.stats").as(Encoders.STRING()).collectAsList();
  }

  static void onlyIdAndRecordId(Lakehouse lh) {
    assertEquals("id,record_id", lh.spark().sql("SHOW TBLPROPERTIES delta.`" + lh.path(T) + "` ('" + Lakehouse.STATS_COLUMNS + "')").first().getString(1));
    List<String> stats = stats(lh);
    assertTrue(stats.size() >= 2, stats.toString());
    for (String s : stats) {
      assertTrue(s.contains("\"id\"") && s.contains("\"record_id\"") && !s.contains("payload"), s);
    }
  }

  @Test
  void aTableWrittenByPathKeepsStatisticsForTheNamedColumnsAndAnAppendLeavesThemSo() {
    Lakehouse lh = TestSpark.freshLakehouse();
    lh.write(rows(lh), T, Lakehouse.Write.append().statsOn(List.of("id", "record_id")), Map.of("run_id", "a"));
    onlyIdAndRecordId(lh);
    lh.write(rows(lh), T, Lakehouse.Write.append(), Map.of("run_id", "b")); // the table exists: its property stays
    onlyIdAndRecordId(lh);
    assertEquals(2, lh.read(T).filter("id = 3").count(), "both appends are there");
  }

  @Test
  void aTableCreatedWithItsDocsKeepsThemToo() {
    Lakehouse lh = TestSpark.freshLakehouse();
    AnalystCatalog.publish(lh, AnalystFixtures.spec(), lh.registerAll()); // documenting session: CREATE TABLE AS SELECT
    try {
      lh.write(rows(lh), T, Lakehouse.Write.append().statsOn(List.of("id", "record_id")), Map.of("run_id", "a"));
      assertEquals("CREATE TABLE AS SELECT", lh.history(T).first().getAs("operation"));
      onlyIdAndRecordId(lh);
    } finally {
      AnalystCatalog.forget(lh.spark());
    }
  }
}
