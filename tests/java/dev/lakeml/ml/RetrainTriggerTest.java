package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.jobs.MonitorJob;
import dev.lakeml.jobs.RetrainJob;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import dev.lakeml.monitor.RetrainLedger;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The retrain stage on small fixtures: score a window, monitor it, decide. Drift on important inputs
 * in two windows fires; the retrained model goes through the gate (a worse one is refused, a better
 * one promoted); the cool-down holds back the next trigger; every decision is a row.
 */
@Tag("system")
class RetrainTriggerTest {
  private static final LocalDate FROM = LocalDate.parse("2001-01-08");
  private static final LocalDate TO = LocalDate.parse("2001-07-01");

  /** June's distance and departure hour shifted far outside training (labels unchanged): drift on important inputs. */
  private static Dataset<Row> shiftedJune(Dataset<Row> gold) {
    return gold.withColumn("distance", when(col("event_date").geq(lit("2001-06-01")), col("distance").plus(3000)).otherwise(col("distance")))
        .withColumn("dep_hour", when(col("event_date").geq(lit("2001-06-01")), lit(23)).otherwise(col("dep_hour")));
  }

  /** Labels inverted (a bug upstream) on events before {@code before}. */
  private static Dataset<Row> invertedBefore(Dataset<Row> gold, String before) {
    return gold.withColumn("is_late", when(col("event_date").lt(lit(before)), lit(1).minus(col("is_late"))).otherwise(col("is_late")));
  }

  private static StageResult window(Lakehouse lh, PipelineSpec spec, String run, String from, String before, Map<String, String> decide) {
    new ScoreJob().run(GoldFixture.context(lh, spec, "score-" + run, Map.of("from", from, "to", before)));
    new MonitorJob().run(GoldFixture.context(lh, spec, "monitor-" + run, decide.containsKey("labels-before") ? Map.of("labels-before", decide.get("labels-before")) : Map.of()));
    return new RetrainJob().run(GoldFixture.context(lh, spec, "retrain-" + run, decide));
  }

  private static Row decision(Lakehouse lh, String run) {
    return lh.read(RetrainLedger.TABLE)
        .filter("run_id = 'retrain-" + run + "'")
        .selectExpr("fired", "trigger", "drift_alarm", "consecutive_drift_windows", "alarming_features", "retrained_version", "gate_action", "champion_after",
            "CAST(as_of AS STRING)", "CAST(cool_down_until AS STRING)", "reasons", "train_window", "evaluate_window", "gate_challenger_value", "gate_champion_value")
        .first();
  }

  @Test
  void firesAfterTwoDriftingWindowsRefusesAWorseRetrainAndCoolsDown() {
    Lakehouse lh = TestSpark.freshLakehouse();
    Dataset<Row> clean = GoldFixture.rows(1, FROM, TO, 6, 31);
    GoldFixture.write(lh, shiftedJune(clean), 3);
    GoldFixture.quality(lh, 3, true);
    // Small boosted trees: impurity importances name distance and dep_hour as the inputs that matter.
    PipelineSpec full = GoldFixture.fullSpec();
    PipelineSpec.Model m = full.model();
    PipelineSpec.Model gbt =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), PipelineSpec.Estimator.GBT, Map.of("maxIter", "10", "maxDepth", "3"), m.trainFrom(), m.trainBefore(),
            m.evaluateFrom(), m.evaluateBefore(), m.seed(), m.classWeight(), m.tuning(), m.promotion());
    PipelineSpec spec = full.withModel(gbt).withRetrain(new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.DRIFT, 0.3, 2, 0.0, 20, 21, 0.05, 14));
    new TrainJob().run(GoldFixture.context(lh, spec, "train-1", Map.of()));

    StageResult w1 = window(lh, spec, "w1", "2001-06-01", "2001-06-08", Map.of("labels-before", "2001-06-01"));
    Row d1 = decision(lh, "w1");
    assertFalse(d1.getBoolean(0), w1.summary());
    assertTrue(d1.getBoolean(2), "drift alarm on important inputs: " + d1.getList(10));
    assertEquals(1, d1.getInt(3));
    assertTrue(d1.getList(4).containsAll(List.of("distance", "dep_hour")), d1.getList(4).toString());
    assertFalse(d1.getList(4).contains("month"), "month is excluded by monitor.exclude");
    assertEquals("2001-06-08", d1.getString(8), "as of the day after the window's last event");
    assertTrue(w1.summary().startsWith("not fired as of 2001-06-08"), w1.summary());

    // New data arrives with inverted labels before May 25: a model retrained on it is worse.
    GoldFixture.write(lh, invertedBefore(shiftedJune(clean), "2001-05-25"), 4);
    GoldFixture.quality(lh, 4, true);
    StageResult w2 = window(lh, spec, "w2", "2001-06-08", "2001-06-15", Map.of("labels-before", "2001-06-08"));
    Row d2 = decision(lh, "w2");
    assertTrue(d2.getBoolean(0), w2.summary());
    assertEquals("drift", d2.getString(1));
    assertEquals(2, d2.getInt(3));
    assertEquals(2, d2.getInt(5), "retrained as v2");
    assertEquals("[2001-01-08, 2001-05-25)", d2.getString(11), "training ends where the evaluation window starts");
    assertEquals("[2001-05-25, 2001-06-08)", d2.getString(12), "evaluation ends at the latest labelled data");
    assertEquals(ModelAliases.REFUSED, d2.getString(6));
    assertTrue(d2.getDouble(13) < d2.getDouble(14), "the retrained model scored below the champion on the same data");
    assertEquals(1, d2.getInt(7), "the champion stays v1");
    AliasState aliases = new ModelAliases(lh).current("flight_delay");
    assertEquals(1, aliases.champion());
    assertEquals(2, aliases.challenger());
    assertEquals(ModelAliases.REFUSED, aliases.action(), "the refusal went through the gate, with its evidence");
    assertEquals("[2001-01-08, 2001-05-25)", new ModelRegistry(lh).get("flight_delay", 2).trainWindow());

    // Next window: the evidence (realized auc under a 0.99 floor) meets the rule, but the cool-down holds.
    PipelineSpec strict = spec.withRetrain(new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.ANY, 0.3, 2, 0.99, 20, 21, 0.05, 14));
    StageResult w3 = window(lh, strict, "w3", "2001-06-15", "2001-06-22", Map.of());
    Row d3 = decision(lh, "w3");
    assertFalse(d3.getBoolean(0), w3.summary());
    assertEquals("performance", d3.getString(1), "drift streak restarted after the retrain; auc below the floor");
    assertEquals(1, d3.getInt(3));
    assertEquals("2001-07-06", d3.getString(9), "cool-down: 21 days after the retrain as of 2001-06-15 (the day after window 2)");
    assertTrue(String.join("|", d3.<String>getList(10)).contains("in cool-down until 2001-07-06"), d3.getList(10).toString());
    assertNull(d3.get(5));
    assertEquals(2, new ModelRegistry(lh).versions("flight_delay").size(), "no new version in the cool-down");

    // Every window's decision is recorded; deciding again on the same evidence changes nothing.
    assertEquals(3, lh.read(RetrainLedger.TABLE).count());
    StageResult again = new RetrainJob().run(GoldFixture.context(lh, strict, "retrain-again", Map.of()));
    assertEquals(StageResult.SKIPPED, again.status(), again.summary());
    assertEquals(3, lh.read(RetrainLedger.TABLE).count());
  }

  @Test
  void realizedAucBelowTheFloorRetrainsAndTheGatePromotesTheBetterModel() {
    Lakehouse lh = TestSpark.freshLakehouse();
    Dataset<Row> clean = GoldFixture.rows(1, FROM, TO, 6, 41);
    GoldFixture.write(lh, invertedBefore(clean, "2001-06-01"), 3); // the champion learns from inverted labels
    GoldFixture.quality(lh, 3, true);
    PipelineSpec spec = GoldFixture.fullSpec().withRetrain(new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.PERFORMANCE, 0.3, 2, 0.6, 20, 14, 0.05, 14));
    new TrainJob().run(GoldFixture.context(lh, spec, "train-1", Map.of()));
    GoldFixture.write(lh, clean, 4); // corrected data
    GoldFixture.quality(lh, 4, true);

    StageResult w1 = window(lh, spec, "w1", "2001-06-01", "2001-06-08", new LinkedHashMap<>());
    Row d = decision(lh, "w1");
    assertTrue(d.getBoolean(0), w1.summary());
    assertEquals("performance", d.getString(1));
    assertEquals("[2001-06-17, 2001-07-01)", d.getString(12), "evaluation ends at the latest labelled event (June 30)");
    assertEquals(ModelAliases.PROMOTED, d.getString(6), w1.summary());
    assertTrue(d.getDouble(13) > d.getDouble(14) + 0.01, "promoted by at least the margin");
    assertEquals(2, d.getInt(7));
    assertEquals(2, new ModelAliases(lh).current("flight_delay").champion());
    assertEquals(2, PromotionGate.serving(lh, "flight_delay").version(), "scoring now uses the retrained model");
  }
}
