package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.CheckSpec.Action;
import dev.lakeml.config.CheckSpec.Rule;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The quality stage on tiny tables: each row rule and each dataset rule broken on purpose, with the
 * action taken, the reasons stored and the counts (input = table + quarantine); anomaly baselines
 * from accepted runs only; write-audit-publish; ledger retention.
 */
class QualityGateTest {
  static final StructType FLIGHT =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("origin", DataTypes.StringType)
          .add("destination", DataTypes.StringType)
          .add("distance", DataTypes.IntegerType)
          .add("delay", DataTypes.IntegerType)
          .add("dep_time_utc", DataTypes.TimestampType);

  static final Instant NOW = Instant.parse("2001-02-01T00:00:00Z");
  static final TableId T = TableId.of(Layer.SILVER, "flights");
  static final TableId Q = TableId.of(Layer.SILVER, "flights_quarantine");

  final SparkSession spark = TestSpark.session();

  static CheckSpec spec(String name, Rule rule, Action action, String column, Double min, Double max) {
    return new CheckSpec(name, rule, action, column == null ? List.of() : List.of(column), min, max, List.of(), null, null, null, null, null, 5);
  }

  static final List<CheckSpec> ROW_RULES =
      List.of(
          spec("delay_present", Rule.NOT_NULL, Action.QUARANTINE, "delay", null, null),
          spec("distance_range", Rule.RANGE, Action.QUARANTINE, "distance", 1.0, 6000.0),
          new CheckSpec("origin_code", Rule.PATTERN, Action.QUARANTINE, List.of("origin"), null, null, List.of(), "^[A-Z]{3}$", null, null, null, null, 5),
          new CheckSpec("known_destination", Rule.ALLOWED_VALUES, Action.QUARANTINE, List.of("destination"), null, null, List.of("ORD", "JFK", "LAX"), null, null, null, null, null, 5),
          new CheckSpec("origin_airport", Rule.FOREIGN_KEY, Action.QUARANTINE, List.of("origin"), null, null, List.of(), null, null, "airports", "iata", null, 5),
          new CheckSpec("not_round_trip", Rule.SQL, Action.QUARANTINE, List.of(), null, null, List.of(), null, "origin <> destination", null, null, null, 5),
          spec("delay_plausible", Rule.RANGE, Action.WARN, "delay", -60.0, 600.0));

  Dataset<Row> flights(Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(RowFactory.create(r));
    }
    return spark.createDataFrame(list, FLIGHT);
  }

  static Object[] f(long id, String o, String d, Integer dist, Integer delay) {
    return new Object[] {id, o, d, dist, delay, java.sql.Timestamp.from(NOW.minus(Duration.ofHours(id)))};
  }

  Map<String, Dataset<Row>> airports() {
    return Map.of("airports", spark.sql("SELECT explode(array('ORD','JFK','LAX','SFO')) AS iata"));
  }

  Dataset<Row> manyFlights(int n) {
    return spark.range(n).selectExpr("id", "'ORD' AS origin", "'JFK' AS destination", "700 AS distance", "CAST(id % 30 AS INT) AS delay", "TIMESTAMP'2001-01-31 12:00:00' AS dep_time_utc");
  }

  QualityGate.Committed commit(QualityGate gate, Dataset<Row> rows, List<CheckSpec> rules) {
    Dataset<Row> annotated = RowRules.annotate(rows, rules, airports()).persist();
    return gate.commit(T, Q, annotated, RowRules.valid(annotated), RowRules.quarantine(annotated, "id"), rules, 0, Map.of("source_version", 0));
  }

  @Test
  void everyRowRuleQuarantinesWithEveryReasonAndInputEqualsTablePlusQuarantine() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityGate gate = new QualityGate(lh, "run-1", new MutableClock(NOW));
    Dataset<Row> input =
        flights(
            f(1, "ORD", "JFK", 700, 5), // clean
            f(2, "ORD", "JFK", 700, null), // not_null
            f(3, "ORD", "JFK", 9000, 5), // range
            f(4, "ord", "JFK", 700, 5), // pattern + foreign key (lower case is not an airport)
            f(5, "ORD", "BOS", 700, 5), // allowed values
            f(6, "XYZ", "LAX", 700, 5), // foreign key only
            f(7, "JFK", "JFK", 0, null), // sql + range + not_null + allowed... JFK is allowed
            f(8, "LAX", "ORD", 700, 900)); // warn only: kept
    QualityGate.Committed c = commit(gate, input, ROW_RULES);

    assertEquals(8, c.rows() + c.quarantined(), "input = table + quarantine");
    assertEquals(2, c.rows());
    assertEquals(6, c.quarantined());
    Map<String, List<String>> reasons = new HashMap<>();
    for (Row r : lh.read(Q).collectAsList()) {
      reasons.put(r.getAs("record_key"), r.getList(r.fieldIndex("reasons")));
      assertEquals("run-1", r.getAs("run_id"));
    }
    assertEquals(List.of("delay_present: missing"), reasons.get("2"));
    assertEquals(List.of("distance_range: 9000 outside [1, 6000]"), reasons.get("3"));
    assertEquals(List.of("origin_code: 'ord' does not match ^[A-Z]{3}$", "origin_airport: 'ord' not found in airports.iata"), reasons.get("4"));
    assertEquals(List.of("known_destination: 'BOS' not in [ORD, JFK, LAX]"), reasons.get("5"));
    assertEquals(List.of("origin_airport: 'XYZ' not found in airports.iata"), reasons.get("6"));
    assertEquals(List.of("delay_present: missing", "distance_range: 0 outside [1, 6000]", "not_round_trip: not (origin <> destination)"), reasons.get("7"));
    assertEquals(List.of(1L, 8L), lh.read(T).orderBy("id").select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());

    Map<String, CheckOutcome> byName = new HashMap<>();
    c.verdict().outcomes().forEach(o -> byName.put(o.check(), o));
    assertEquals(2L, byName.get("delay_present").failingRows());
    assertEquals(2L, byName.get("origin_airport").failingRows());
    assertEquals(1L, byName.get("delay_plausible").failingRows());
    assertFalse(byName.get("delay_plausible").blocking(), "warn keeps the row and goes on");
    long ledgerRows = lh.read(QualityLedger.TABLE).filter("run_id = 'run-1' AND accepted AND rule <> 'metric'").count();
    assertEquals(ROW_RULES.size(), ledgerRows);
  }

  @Test
  void aFailRowRuleCommitsNothing() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityGate gate = new QualityGate(lh, "run-f", new MutableClock(NOW));
    List<CheckSpec> rules = List.of(spec("distance_range", Rule.RANGE, Action.FAIL, "distance", 1.0, 6000.0));
    LakemlException e = assertThrows(LakemlException.class, () -> commit(gate, flights(f(1, "ORD", "JFK", 700, 1), f(2, "ORD", "JFK", 9999, 1)), rules));
    assertTrue(e.getMessage().startsWith("Cannot commit silver.flights: expectations with action 'fail' were broken"), e.getMessage());
    assertTrue(e.getMessage().contains("distance_range: 1 rows broke it"), e.getMessage());
    assertFalse(lh.exists(T));
    assertFalse(lh.exists(Q));
    Row rec = lh.read(QualityLedger.TABLE).filter("check_name = 'distance_range'").first();
    assertFalse(rec.<Boolean>getAs("accepted"));
    assertEquals(1L, (long) rec.<Long>getAs("failing_rows"));
  }

  @Test
  void everyDatasetRuleIsJudgedWithDeequ() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityGate gate = new QualityGate(lh, "run-d", new MutableClock(NOW));
    // ids 1,1 duplicate; delay null in 1 of 4 rows; newest event 1h old; mean distance 700; median delay 10.
    Dataset<Row> rows = flights(f(1, "ORD", "JFK", 700, 10), f(1, "ORD", "JFK", 700, 10), f(3, "ORD", "JFK", 700, null), f(4, "ORD", "JFK", 700, 20));
    List<CheckSpec> breaking =
        List.of(
            spec("unique_id", Rule.UNIQUE, Action.FAIL, "id", null, null),
            spec("rows", Rule.ROW_COUNT, Action.FAIL, null, 5.0, null),
            spec("delay_complete", Rule.COMPLETENESS, Action.FAIL, "delay", 0.9, null),
            spec("fresh", Rule.FRESHNESS, Action.FAIL, "dep_time_utc", null, 0.5),
            spec("mean_distance", Rule.MEAN, Action.FAIL, "distance", 800.0, null),
            new CheckSpec("median_delay", Rule.QUANTILE, Action.FAIL, List.of("delay"), 15.0, null, List.of(), null, null, null, null, 0.5, 5));
    QualityGate.Verdict v = gate.audit(T, RowRules.annotate(rows, breaking, Map.of()), rows, breaking);
    assertEquals(6, v.outcomes().size());
    for (CheckOutcome o : v.outcomes()) {
      assertFalse(o.passed(), o.check() + " should break: " + o.message());
      assertTrue(o.blocking());
    }
    Map<String, Double> metric = new HashMap<>();
    v.outcomes().forEach(o -> metric.put(o.check(), o.metric()));
    assertEquals(4.0, metric.get("rows"));
    assertEquals(0.75, metric.get("delay_complete"), 1e-9);
    assertEquals(1.0, metric.get("fresh"), 1e-9, "the newest event is one hour old");
    assertEquals(700.0, metric.get("mean_distance"), 1e-9);
    assertEquals(10.0, metric.get("median_delay"), 1e-9);

    List<CheckSpec> passing =
        List.of(
            spec("rows", Rule.ROW_COUNT, Action.FAIL, null, 1.0, 10.0),
            spec("fresh", Rule.FRESHNESS, Action.FAIL, "dep_time_utc", null, 2.0),
            spec("warn_unique", Rule.UNIQUE, Action.WARN, "id", null, null));
    QualityGate.Verdict ok = gate.audit(T, RowRules.annotate(rows, passing, Map.of()), rows, passing);
    assertFalse(ok.blocked(), ok.outcomes().toString());
    assertEquals(List.of(true, true, false), ok.outcomes().stream().map(CheckOutcome::passed).toList());
  }

  @Test
  void aUniqueRuleOnTheMergeKeyIsJudgedOverTheMergedRowsWhenTheVersionBeforePassedIt() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityGate gate = new QualityGate(lh, "v0", new MutableClock(NOW));
    List<CheckSpec> rules = List.of(spec("rows", Rule.ROW_COUNT, Action.FAIL, null, 1.0, null), spec("unique_id", Rule.UNIQUE, Action.FAIL, "id", null, null));
    long v0 = commit(gate, flights(f(1, "ORD", "JFK", 700, 1), f(2, "ORD", "JFK", 700, 2), f(3, "ORD", "JFK", 700, 3)), rules).version();

    // 3 replaced, 4 added: the table after holds 1, 2, 3, 4.
    Dataset<Row> upserted = flights(f(3, "ORD", "LAX", 900, 3), f(4, "ORD", "JFK", 700, 4));
    Dataset<Row> after = lh.read(T).filter("id NOT IN (3, 4)").unionByName(upserted);
    QualityGate.Verdict merged = gate.audit(T, upserted, after, rules, new QualityGate.MergedByKey("id", v0, upserted));
    assertEquals(List.of("rows", "unique_id"), merged.outcomes().stream().map(CheckOutcome::check).toList(), "in the spec's order");
    CheckOutcome unique = merged.outcomes().get(1);
    assertTrue(unique.passed(), unique.message());
    assertEquals(1.0, unique.metric());
    assertEquals("ok: 1.0 (v" + v0 + " passed; the 2 merged rows are unique on id and replace their keys' rows)", unique.message());
    assertEquals(4.0, merged.metrics().get("row_count"), "the other rules judge the whole table");

    // Merged rows that repeat a key: the rule is judged over the whole table, which shows it.
    Dataset<Row> twice = flights(f(4, "ORD", "JFK", 700, 4), f(4, "ORD", "LAX", 900, 4));
    QualityGate.Verdict repeated = gate.audit(T, twice, lh.read(T).unionByName(twice), rules, new QualityGate.MergedByKey("id", v0, twice));
    CheckOutcome broken = repeated.outcomes().get(1);
    assertFalse(broken.passed(), broken.message());
    assertEquals(0.6, broken.metric(), 1e-9, "1, 2 and 3 of 5 rows are unique");
    assertTrue(repeated.blocked());

    // No accepted run recorded the rule passed at that version: the whole table.
    QualityGate.Verdict unknown = gate.audit(T, upserted, after, rules, new QualityGate.MergedByKey("id", v0 + 7, upserted));
    assertEquals("ok: 1.0", unknown.outcomes().get(1).message());
    // A unique rule on other columns than the merge key: the whole table.
    List<CheckSpec> onOrigin = List.of(spec("unique_origin", Rule.UNIQUE, Action.WARN, "origin", null, null));
    CheckOutcome origin = gate.audit(T, upserted, after, onOrigin, new QualityGate.MergedByKey("id", v0, upserted)).outcomes().get(0);
    assertFalse(origin.passed(), origin.message());
  }

  @Test
  void anomalyBaselineUsesOnlyAcceptedRuns() {
    Lakehouse lh = TestSpark.freshLakehouse();
    MutableClock clock = new MutableClock(NOW);
    List<CheckSpec> rules = List.of(spec("rows_steady", Rule.ROW_COUNT_CHANGE, Action.FAIL, null, -0.5, 0.3));
    clock.advance(Duration.ofHours(1));
    commit(new QualityGate(lh, "good", clock), manyFlights(100), rules);
    clock.advance(Duration.ofHours(1));
    LakemlException drop = assertThrows(LakemlException.class, () -> commit(new QualityGate(lh, "broken", clock), manyFlights(10), rules));
    assertTrue(drop.getMessage().contains("row_count 10 vs baseline 100 (mean of 1 accepted versions): change -90.0%"), drop.getMessage());
    assertTrue(drop.getMessage().contains("silver.flights still shows version 0"), drop.getMessage());
    assertEquals(100, lh.read(T).count());

    // Fixed rerun: had the failed run's 10 rows entered the baseline (mean 55), +82% would break max-rise 0.3.
    clock.advance(Duration.ofHours(1));
    QualityGate.Committed fixed = commit(new QualityGate(lh, "fixed", clock), manyFlights(100), rules);
    CheckOutcome o = fixed.verdict().outcomes().get(0);
    assertTrue(o.passed(), o.message());
    assertEquals(0.0, o.metric(), 1e-9);
    assertEquals(List.of(100.0, 100.0), new QualityLedger(lh, clock).acceptedHistory(T, "row_count", 5));
    assertEquals(2, lh.read(QualityLedger.TABLE).filter("rule = 'metric' AND accepted").count());
    assertEquals(1, lh.read(QualityLedger.TABLE).filter("rule = 'metric' AND NOT accepted AND run_id = 'broken'").count());
  }

  @Test
  void historyMetricsComeFromTheSamePassAsTheDatasetRules() {
    QualityGate gate = new QualityGate(TestSpark.freshLakehouse(), "m", java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC));
    List<CheckSpec> rules =
        List.of(
            spec("delay_nulls_steady", Rule.NULL_RATE_JUMP, Action.WARN, "delay", null, 0.05),
            spec("distance_nulls_steady", Rule.NULL_RATE_JUMP, Action.WARN, "distance", null, 0.05),
            spec("some_rows", Rule.ROW_COUNT, Action.FAIL, null, 1.0, null));
    Dataset<Row> rows = flights(f(1, "ORD", "JFK", 700, null), f(2, "ORD", "LAX", 900, 5), f(3, "JFK", "ORD", 700, null), f(4, "LAX", "SFO", 300, 1));
    QualityGate.Verdict v = gate.audit(T, RowRules.annotate(rows, rules, Map.of()), rows, rules);
    assertEquals(Map.of("row_count", 4.0, "null_rate(delay)", 0.5, "null_rate(distance)", 0.0), v.metrics());
    assertTrue(v.outcomes().stream().allMatch(CheckOutcome::passed), v.outcomes().toString());

    Dataset<Row> none = flights();
    QualityGate.Verdict empty = gate.audit(T, RowRules.annotate(none, rules, Map.of()), none, rules);
    assertEquals(Map.of("row_count", 0.0, "null_rate(delay)", 0.0, "null_rate(distance)", 0.0), empty.metrics(), "no rows: a null rate of 0");
    assertTrue(empty.blocked(), "row_count broke its minimum");

    // Deequ reports a failed read as a failed metric; the audit says so instead of counting 0 rows.
    Dataset<Row> unreadable = rows.filter("raise_error('page 7 is unreadable') IS NULL");
    LakemlException e = assertThrows(LakemlException.class, () -> gate.audit(T, rows, unreadable, rules));
    assertTrue(e.getMessage().startsWith("Could not read the rows to audit: ") && e.getMessage().contains("page 7 is unreadable"), e.getMessage());
  }

  @Test
  void retentionDropsOldRowsButKeepsTheBaselines() {
    Lakehouse lh = TestSpark.freshLakehouse();
    MutableClock clock = new MutableClock(NOW);
    QualityLedger ledger = new QualityLedger(lh, clock);
    for (int i = 0; i < 4; i++) {
      ledger.record("r" + i, T, i, (long) i, i == 2 ? null : (long) i, List.of(), Map.of("row_count", 100.0 + i));
      clock.advance(Duration.ofDays(1));
    }
    long young = lh.latestVersion(QualityLedger.TABLE);
    assertEquals(0, ledger.retain(Duration.ofDays(90), 2), "every row is younger than 90 days");
    assertEquals(young, lh.latestVersion(QualityLedger.TABLE), "nothing dropped, nothing committed");
    clock.advance(Duration.ofDays(100));
    assertEquals(2, ledger.retain(Duration.ofDays(90), 2), "r0 (old, accepted but not among the newest 2) and r2 (old, failed)");
    assertEquals(List.of(103.0, 101.0), ledger.acceptedHistory(T, "row_count", 5));
  }

  @Test
  void recordedAnswersFromTheLedgersNewestAppendsAndAfterARewriteFromItsRows() {
    Lakehouse lh = TestSpark.freshLakehouse();
    QualityLedger ledger = new QualityLedger(lh, java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC));
    assertFalse(ledger.recorded(T, 0), "no ledger yet");
    ledger.record("r0", T, 0, 0L, 0L, List.of(), Map.of("row_count", 1.0));
    ledger.record("r1", Q, 0, 3L, 3L, List.of(), Map.of("row_count", 1.0));
    ledger.record("r2", T, 1, 1L, null, List.of(), Map.of("row_count", 1.0)); // blocked: audited, not published
    Map<String, Object> commit = lh.lastCommitInfo(QualityLedger.TABLE, "table").orElseThrow();
    assertEquals(Map.of("run_id", "r2", "table", T.toString(), QualityLedger.RECORD, true), withoutVersion(commit), "a blocked run publishes no version");
    assertEquals(3L, ((Number) lh.lastCommitInfo(QualityLedger.TABLE, "published_version").orElseThrow().get("published_version")).longValue());
    assertTrue(ledger.recorded(T, 0));
    assertFalse(ledger.recorded(T, 1), "version 1 of T was blocked");
    assertTrue(ledger.recorded(Q, 3));
    assertTrue(ledger.recorded(Q, 2), "a later data commit was recorded (the version asked for may be a docs commit)");
    assertFalse(ledger.recorded(Q, 4));

    // A rewrite (retention, or anyone's overwrite) may drop rows the older appends announced: from
    // there on the rows, not the log, answer.
    lh.write(lh.read(QualityLedger.TABLE).filter("table_name <> '" + T + "'"), QualityLedger.TABLE, Lakehouse.Write.overwrite(), Map.of("run_id", "rewrite"));
    assertFalse(ledger.recorded(T, 0), "T's rows are gone, though r0's append is still in the log");
    assertTrue(ledger.recorded(Q, 3), "from the rows");
    ledger.record("r3", T, 2, 5L, 5L, List.of(), Map.of("row_count", 1.0));
    assertTrue(ledger.recorded(T, 5));
    assertTrue(ledger.recorded(Q, 3), "past the newest append, the rewrite sends it to the rows");
    assertFalse(ledger.recorded(T, 6));
  }

  private static Map<String, Object> withoutVersion(Map<String, Object> info) {
    Map<String, Object> out = new HashMap<>(info);
    out.remove("_version");
    return out;
  }
}
