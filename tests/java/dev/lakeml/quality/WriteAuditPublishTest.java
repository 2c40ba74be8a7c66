package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Analysts never see a gold version that failed: gold.<table> keeps returning the last good one. */
class WriteAuditPublishTest {
  static final TableId GOLD = TableId.of(Layer.GOLD, "features");
  static final TableId CANDIDATES = TableId.of(Layer.GOLD, "features_candidates");
  static final TableId QUARANTINE = TableId.of(Layer.GOLD, "features_quarantine");
  static final List<CheckSpec> RULES =
      List.of(
          new CheckSpec("label_is_binary", CheckSpec.Rule.ALLOWED_VALUES, CheckSpec.Action.FAIL, List.of("is_late"), null, null, List.of("0", "1"), null, null, null, null, null, 5),
          new CheckSpec("rate_known", CheckSpec.Rule.NOT_NULL, CheckSpec.Action.QUARANTINE, List.of("late_rate"), null, null, List.of(), null, null, null, null, null, 5));

  final SparkSession spark = TestSpark.session();

  Dataset<Row> features(int rows, int badLabels) {
    return spark
        .range(rows)
        .selectExpr(
            "id",
            "CASE WHEN id < " + badLabels + " THEN 2 ELSE CAST(id % 2 AS INT) END AS is_late",
            "CASE WHEN id = 0 THEN NULL ELSE 0.25 END AS late_rate");
  }

  QualityGate.Committed run(Lakehouse lh, String runId, Dataset<Row> rows) {
    Dataset<Row> annotated = RowRules.annotate(rows, RULES, Map.of()).persist();
    return new QualityGate(lh, runId, new MutableClock(Instant.parse("2001-02-01T00:00:00Z")))
        .writeAuditPublish(GOLD, CANDIDATES, QUARANTINE, annotated, RowRules.valid(annotated), RowRules.quarantine(annotated, "id"), RULES, 7, Map.of("source_version", 7, "run_id", runId));
  }

  long analystCount() {
    return spark.sql("SELECT count(*) FROM gold.features").first().getLong(0);
  }

  @Test
  void aFailedCandidateIsNeverPublished() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityGate.Committed good = run(lh, "good", features(6, 0));
    assertEquals(0, good.version());
    assertEquals(5, good.rows());
    assertEquals(1, good.quarantined(), "the row without late_rate");
    assertEquals(5, analystCount());

    LakemlException e = assertThrows(LakemlException.class, () -> run(lh, "bad", features(9, 3)));
    assertTrue(e.getMessage().contains("gold.features still shows version 0"), e.getMessage());
    assertTrue(e.getMessage().contains("The failed candidate is gold.features_candidates version 1"), e.getMessage());
    assertTrue(e.getMessage().contains("label_is_binary: 3 rows broke it"), e.getMessage());
    assertEquals(5, analystCount(), "analysts still read the last good version");
    assertEquals(1, lh.history(GOLD).count(), "the published table's history holds only versions that passed");
    assertEquals(8, lh.read(CANDIDATES, 1).count(), "the failed candidate stays inspectable");
    Row ledger = lh.read(QualityLedger.TABLE).filter("run_id = 'bad' AND check_name = 'label_is_binary'").first();
    assertEquals(1L, (long) ledger.<Long>getAs("candidate_version"));
    assertNull(ledger.getAs("published_version"));

    QualityGate.Committed fixed = run(lh, "fixed", features(7, 0));
    assertEquals(1, fixed.version());
    assertEquals(2, fixed.candidateVersion());
    assertEquals(6, analystCount());
    Map<String, Object> lineage = lh.lastCommitInfo(GOLD, "candidate_version").orElseThrow();
    assertEquals(2, ((Number) lineage.get("candidate_version")).intValue());
    assertEquals("gold.features_candidates", lineage.get("candidate_table"));
  }
}
