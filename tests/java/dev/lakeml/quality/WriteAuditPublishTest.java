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
        .writeAuditPublish(GOLD, CANDIDATES, QUARANTINE, annotated, "id", RULES, 7, Map.of("source_version", 7, "run_id", runId), null, QualityGate.Layout.AS_WRITTEN);
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
    // Published as a copy of the audited candidate's files (a deep clone), not written again row by row.
    assertEquals(lh.read(CANDIDATES, 2).inputFiles().length, lh.read(GOLD).inputFiles().length);
    for (String f : lh.read(GOLD).inputFiles()) {
      assertTrue(f.contains("/part-copy-") && f.contains("/features/"), f);
    }
    assertEquals(sorted(lh.read(CANDIDATES, 2)), sorted(lh.read(GOLD)));

    // Nothing rejected: the quarantine is overwritten empty, its columns kept.
    long held = lh.latestVersion(QUARANTINE);
    QualityGate.Committed clean = run(lh, "clean", features(8, 0).filter("id > 0"));
    assertEquals(0, clean.quarantined());
    assertEquals(held + 1, clean.quarantineVersion());
    assertEquals(0, lh.read(QUARANTINE).count());
    assertEquals(lh.read(QUARANTINE, held).schema(), lh.read(QUARANTINE).schema());
    assertEquals(7, analystCount());
  }

  static List<Row> sorted(Dataset<Row> d) {
    return d.orderBy("id").collectAsList();
  }

  /** Rows {@code first}.. of one day: is_late alternates; late_rate is missing (quarantined) for ids divisible by 5. */
  Dataset<Row> day(long first, long end, String date) {
    return spark
        .range(first, end)
        .selectExpr(
            "id",
            "CAST(id % 2 AS INT) AS is_late",
            "CASE WHEN id % 5 = 0 THEN NULL ELSE 0.25 END AS late_rate",
            date == null ? "CAST(NULL AS DATE) AS event_date" : "DATE'" + date + "' AS event_date");
  }

  @Test
  void aSliceReplacesOnlyItsRowsInCandidateTableAndQuarantine() {
    Lakehouse lh = TestSpark.freshLakehouse();
    Dataset<Row> all =
        day(0, 10, "2001-01-01").union(day(10, 20, "2001-01-02")).union(day(20, 30, "2001-01-03")).union(day(95, 97, null)); // 0, 5, ..., 95 quarantined
    QualityGate.Committed full = run(lh, "full", all);
    assertEquals(25, full.rows());
    assertEquals(7, full.quarantined());

    // Days 2 and 3 rebuilt: day 2 lost rows, day 3 has a new one.
    Dataset<Row> slice = day(10, 15, "2001-01-02").union(day(20, 22, "2001-01-03")).union(day(41, 42, "2001-01-03"));
    Dataset<Row> annotated = RowRules.annotate(slice, RULES, Map.of()).persist();
    String range = "BETWEEN DATE'2001-01-02' AND DATE'2001-01-03'";
    QualityGate.Committed c =
        new QualityGate(lh, "slice", new MutableClock(Instant.parse("2001-02-01T00:00:00Z")))
            .writeAuditPublish(
                GOLD, CANDIDATES, QUARANTINE, annotated, "id", RULES, 8,
                Map.of("source_version", 8, "run_id", "slice"),
                new QualityGate.Slice("event_date " + range, "to_date(get_json_object(payload, '$.event_date')) " + range),
                new QualityGate.Layout("event_date", List.of())); // clustered by day, as features writes gold
    assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L, 11L, 12L, 13L, 14L, 21L, 41L, 96L), ids(lh.read(GOLD), "id"), "day 1 and the undated row kept");
    assertEquals(15, c.rows(), "dataset rules saw the whole candidate");
    assertEquals(List.of(0L, 5L, 10L, 20L, 95L), ids(lh.read(QUARANTINE), "CAST(record_key AS BIGINT)"), "day 1's and the undated reject kept");
    assertEquals(5, c.quarantined());
    assertEquals(0, lh.read(GOLD).exceptAll(lh.read(CANDIDATES)).count() + lh.read(CANDIDATES).exceptAll(lh.read(GOLD)).count(), "gold shows the candidate");
    Row commit = lh.history(GOLD).orderBy(org.apache.spark.sql.functions.col("version").desc()).first();
    assertEquals("6", commit.<scala.collection.Map<String, String>>getAs("operationMetrics").get("numOutputRows").get(), "only the slice's rows were written");

    // A new day that rejects nothing, where the quarantine holds nothing: the quarantine is left as it is.
    long qBefore = lh.latestVersion(QUARANTINE);
    QualityGate.Committed clean = slice(lh, "clean", day(51, 55, "2001-01-04"), "= DATE'2001-01-04'", null, RULES);
    assertEquals(qBefore, clean.quarantineVersion());
    assertEquals(qBefore, lh.latestVersion(QUARANTINE), "no commit");
    assertEquals(5, clean.quarantined());
    // Days 2 and 3 again, now clean: their held rejects leave the quarantine.
    QualityGate.Committed fixed = slice(lh, "fixed", day(11, 15, "2001-01-02"), range, null, RULES);
    assertTrue(fixed.quarantineVersion() > qBefore);
    assertEquals(List.of(0L, 5L, 95L), ids(lh.read(QUARANTINE), "CAST(record_key AS BIGINT)"));
  }

  static final List<CheckSpec> UNIQUE_RULES =
      List.of(
          RULES.get(1),
          new CheckSpec("unique_id", CheckSpec.Rule.UNIQUE, CheckSpec.Action.FAIL, List.of("id"), null, null, List.of(), null, null, null, null, null, 5),
          new CheckSpec("unique_pair", CheckSpec.Rule.UNIQUE, CheckSpec.Action.WARN, List.of("id", "late_rate"), null, null, List.of(), null, null, null, null, null, 5));

  QualityGate.Committed slice(Lakehouse lh, String runId, Dataset<Row> rows, String range, Long judged) {
    return slice(lh, runId, rows, range, judged, UNIQUE_RULES);
  }

  /** One features-like publish of {@code rows} under {@code rules}: of the days {@code range} selects, or whole when null. */
  QualityGate.Committed slice(Lakehouse lh, String runId, Dataset<Row> rows, String range, Long judged, List<CheckSpec> rules) {
    Dataset<Row> annotated = RowRules.annotate(rows, rules, Map.of()).persist();
    try {
      return new QualityGate(lh, runId, new MutableClock(Instant.parse("2001-02-01T00:00:00Z")))
          .writeAuditPublish(
              GOLD, CANDIDATES, QUARANTINE, annotated, "id", rules, 8,
              Map.of("source_version", 8, "run_id", runId),
              range == null ? null : new QualityGate.Slice("event_date " + range, "to_date(get_json_object(payload, '$.event_date')) " + range, judged),
              new QualityGate.Layout("event_date", List.of()));
    } finally {
      annotated.unpersist();
    }
  }

  static CheckOutcome outcome(QualityGate.Committed c, String check) {
    return c.verdict().outcomes().stream().filter(o -> o.check().equals(check)).findFirst().orElseThrow();
  }

  @Test
  void aUniqueRuleTheJudgedVersionPassedIsJudgedOverTheSliceAndTheValuesKept() {
    Lakehouse lh = TestSpark.freshLakehouse();
    String days23 = "BETWEEN DATE'2001-01-02' AND DATE'2001-01-03'";
    QualityGate.Committed full = slice(lh, "full", day(0, 10, "2001-01-01").union(day(10, 20, "2001-01-02")).union(day(20, 30, "2001-01-03")), null, null);
    assertEquals("ok: 1.0", outcome(full, "unique_id").message(), "no judged version: the whole candidate");

    // Days 2 and 3 rebuilt with new ids: proven from the slice's rows and the ids kept.
    QualityGate.Committed rebuilt = slice(lh, "rebuilt", day(10, 14, "2001-01-02").union(day(40, 43, "2001-01-03")), days23, full.version());
    CheckOutcome unique = outcome(rebuilt, "unique_id");
    assertTrue(unique.passed(), unique.message());
    assertEquals("ok: 1.0 (v" + full.version() + " passed; the 5 rows written are unique on id and the rows kept hold none of their values)", unique.message());
    assertEquals(
        "ok: 1.0 (v" + full.version() + " passed; the 5 rows written are unique on id, late_rate and the rows kept hold none of their values)",
        outcome(rebuilt, "unique_pair").message(),
        "several columns: their values together");
    assertEquals(13, rebuilt.rows(), "8 kept of day 1 and the 5 of the slice: the other rules judge the whole candidate");

    // A rebuilt row takes an id that day 1 keeps: judged over the whole candidate, which shows it.
    LakemlException kept = assertThrows(LakemlException.class, () -> slice(lh, "kept", day(10, 12, "2001-01-02").union(day(3, 4, "2001-01-03")), days23, rebuilt.version()));
    assertTrue(kept.getMessage().contains("unique_id"), kept.getMessage());
    Row keptVerdict = lh.read(QualityLedger.TABLE).filter("run_id = 'kept' AND check_name = 'unique_id'").first();
    assertEquals(false, keptVerdict.getAs("passed"));
    assertEquals(0.8, keptVerdict.<Double>getAs("metric"), 1e-9, "id 3 twice among 10 rows");
    assertEquals(13, analystCount(), "gold still shows the last good version");

    // The rows written repeat an id among themselves: the whole candidate again.
    LakemlException twice = assertThrows(LakemlException.class, () -> slice(lh, "twice", day(10, 12, "2001-01-02").union(day(11, 12, "2001-01-03")), days23, rebuilt.version()));
    assertTrue(twice.getMessage().contains("unique_id"), twice.getMessage());

    // A version whose audit is not on record (or did not pass the rule): the whole candidate.
    QualityGate.Committed unknown = slice(lh, "unknown", day(10, 13, "2001-01-02"), days23, rebuilt.version() + 7);
    assertEquals("ok: 1.0", outcome(unknown, "unique_id").message());
    assertEquals(10, unknown.rows());
  }

  static List<Long> ids(Dataset<Row> rows, String id) {
    return rows.selectExpr(id).as(org.apache.spark.sql.Encoders.LONG()).collectAsList().stream().sorted().toList();
  }
}
