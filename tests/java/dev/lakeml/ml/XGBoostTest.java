package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.ReplayJob;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class XGBoostTest {
  /** The full flights spec with {@code model.estimator = xgboost} and {@code params}. */
  static PipelineSpec spec(Map<String, String> params) {
    PipelineSpec full = GoldFixture.fullSpec();
    PipelineSpec.Model m = full.model();
    return full.withModel(
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), PipelineSpec.Estimator.XGBOOST, params, m.trainFrom(), m.trainBefore(), m.evaluateFrom(),
            m.evaluateBefore(), m.seed(), m.classWeight(), m.tuning(), m.promotion()));
  }

  @Test
  void tuningScoresEveryXgboostCandidateAndKeepsTheBest() {
    Dataset<Row> gold = GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 5, 31);
    PipelineSpec.Model m = spec(Map.of("maxIter", "10")).model();
    PipelineSpec.Model tuned =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), m.estimator(), m.params(), m.trainFrom(), m.trainBefore(), m.evaluateFrom(), m.evaluateBefore(), m.seed(),
            m.classWeight(), new PipelineSpec.Tuning(LocalDate.parse("2001-04-01"), Map.of("max_depth", List.of("1", "4"))), m.promotion());
    Tuner.Best best = Tuner.tune(gold, "is_late", tuned);
    double deep = best.metrics().get("tune[max_depth=4].auc");
    double stump = best.metrics().get("tune[max_depth=1].auc");
    assertTrue(stump > 0.6 && deep > 0.6 && deep <= 1.0 && stump <= 1.0, best.metrics().toString());
    assertEquals(Math.max(deep, stump), best.metrics().get("tune.best_auc"), best.metrics().toString());
    assertEquals(deep > stump ? "4" : "1", best.params().get("max_depth"), best.metrics().toString());
  }

  @Test
  void xgboostTrainsRegistersScoresExplainsAndReplaysIdentically() {
    Lakehouse lh = TestSpark.freshLakehouse();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 5, 31), 3);
    GoldFixture.quality(lh, 3, true);
    // MLlib's names (maxIter) and XGBoost's own (max_depth, eta) side by side.
    PipelineSpec spec = spec(Map.of("maxIter", "20", "max_depth", "4", "eta", "0.3"));

    long t0 = System.nanoTime();
    StageResult train = new TrainJob().run(GoldFixture.context(lh, spec, "xgb-train", Map.of()));
    System.out.printf("xgboost train stage: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals("succeeded", train.status(), train.summary());
    ModelVersion v = new ModelRegistry(lh).get("flight_delay", 1);
    assertEquals("xgboost", v.estimator());
    assertEquals(Map.of("maxIter", "20", "max_depth", "4", "eta", "0.3"), v.params(), "the spec's params are recorded as given");
    assertTrue(v.metrics().get("auc") > 0.75, v.metrics().toString());
    assertEquals(1.0, v.importances().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9, v.importances().toString());
    // Native categoricals: one slot per categorical input (its index), no one-hot slots.
    assertEquals(Trainer.featureNames(spec.model()).size(), v.importances().size(), v.importances().toString());
    assertTrue(v.importances().get("origin_idx") > 0, "origin (ORD is the late hub) is split on as a category: " + v.importances());
    assertTrue(v.importances().keySet().stream().noneMatch(k -> k.contains("_oh_")), v.importances().toString());
    assertTrue(v.importances().get("distance_imp") > v.importances().get("origin_flights_7d_imp"), "distance drives the fixture's label, the count is noise: " + v.importances());

    StageResult score = new ScoreJob().run(GoldFixture.context(lh, spec, "xgb-score", Map.of()));
    assertEquals("succeeded", score.status(), score.summary());
    TableId predictions = TableId.of(Layer.GOLD, "flight_delay_predictions");
    assertEquals(30 * 5, lh.read(predictions).filter("run_id = 'xgb-score' AND model_version = 1 AND probability > 0 AND probability < 1").count());

    Replay.Result r = Replay.replay(lh, predictions, "id", "xgb-score");
    assertEquals(30 * 5, r.replayedRows());
    assertEquals(0, r.differing());
    assertTrue(r.identical());
    StageResult job = new ReplayJob().run(GoldFixture.context(lh, spec, "xgb-replay", Map.of("_args", "xgb-score")));
    assertTrue(job.summary().contains("IDENTICAL"), job.summary());

    // TreeSHAP: for every scored row, bias + the sum of all contributions is the logit of its probability.
    // XGBoost predicts in float32: its margin carries ~1e-7 relative error, and its probability is a
    // float32 too, whose rounding moves logit(p) by ulp(p) / (p (1 - p)) (6e-6 at p = 0.99). Float32
    // error grows with the size of the terms added, so the sum is checked against logit(p) to 1e-6
    // relative to |bias| + sum(|contribution|) (at least 1) plus that rounding, against the margin to
    // 1e-6 relative, and sigmoid(sum) against p to 1e-6.
    PipelineModel model = new ModelRegistry(lh).load(v);
    Dataset<Row> june = Trainer.window(lh.read(GoldFixture.GOLD), "2001-06-01", "2001-07-02");
    List<Row> rows =
        Explanations.withContributions(model.transform(june), model, v)
            .select(
                col("id"),
                org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").getItem(1),
                org.apache.spark.ml.functions.vector_to_array(col("rawPrediction"), "float64").getItem(1),
                col(Explanations.BIAS),
                col(Explanations.CONTRIBUTIONS),
                col("origin"))
            .collectAsList();
    assertEquals(30 * 5, rows.size());
    double worstLogit = 0;
    double worstMargin = 0;
    for (Row row : rows) {
      double sum = row.getDouble(3);
      double magnitude = Math.abs(sum);
      List<String> names = new ArrayList<>();
      for (Row c : row.<Row>getList(4)) {
        sum += c.getDouble(1);
        magnitude += Math.abs(c.getDouble(1));
        names.add(c.getString(0));
      }
      double p = row.getDouble(1);
      double logit = Math.log(p / (1 - p));
      worstLogit = Math.max(worstLogit, Math.abs(logit - sum));
      worstMargin = Math.max(worstMargin, Math.abs(row.getDouble(2) - sum));
      double float32Rounding = Math.ulp((float) p) / (p * (1 - p));
      assertEquals(logit, sum, 1e-6 * Math.max(1, magnitude) + float32Rounding, "logit(p) = bias + sum(contributions): " + row);
      assertEquals(row.getDouble(2), sum, 1e-6 * Math.max(1, Math.abs(sum)), "the margin XGBoost predicted: " + row);
      assertEquals(p, 1 / (1 + Math.exp(-sum)), 1e-6, "sigmoid(bias + sum) = p: " + row);
      assertEquals(Trainer.featureNames(spec.model()).size(), names.size(), names.toString());
      assertTrue(names.contains("origin=" + row.getString(5)), "a categorical input is named after the row's category: " + names);
    }
    System.out.printf("xgboost SHAP: worst |logit(p) - (bias + sum)| over %d rows: %.2e; worst |margin - (bias + sum)|: %.2e%n", rows.size(), worstLogit, worstMargin);

    // score --explain stores the 5 largest |contributions| with the predictions.
    StageResult explained = new ScoreJob().run(GoldFixture.context(lh, spec, "xgb-explain", Map.of("explain", "")));
    assertEquals("succeeded", explained.status(), explained.summary());
    List<Row> stored = lh.read(predictions).filter("run_id = 'xgb-explain'").select("id", "probability", "top_features").collectAsList();
    assertEquals(30 * 5, stored.size());
    for (Row s : stored) {
      List<Row> top = s.getList(2);
      assertEquals(5, top.size(), s.toString());
      for (int i = 1; i < top.size(); i++) {
        assertTrue(Math.abs(top.get(i).getDouble(1)) <= Math.abs(top.get(i - 1).getDouble(1)), "largest |contribution| first: " + top);
      }
      assertTrue(top.stream().noneMatch(c -> c.getString(0).contains("_oh_") || c.getString(0).endsWith("_imp")), top.toString());
    }
    assertTrue(
        stored.stream().anyMatch(s -> s.<Row>getList(2).stream().anyMatch(c -> c.getString(0).startsWith("origin="))),
        "origin (ORD is late more often) is among the top inputs of some flight");

    // score.explain = true in the spec stores them on every run, without --explain.
    PipelineSpec.Score sc = spec.score();
    PipelineSpec always =
        new PipelineSpec(
            spec.name(), spec.description(), spec.owner(), spec.file(), spec.source(), spec.bronzeTable(), spec.dimensions(), spec.silver(), spec.gold(),
            spec.model(), new PipelineSpec.Score(sc.table(), sc.from(), sc.before(), true), spec.monitor(), spec.retrain());
    StageResult bySpec = new ScoreJob().run(GoldFixture.context(lh, always, "xgb-explain-spec", Map.of("force", "")));
    assertEquals("succeeded", bySpec.status(), bySpec.summary());
    assertEquals(30 * 5, lh.read(predictions).filter("run_id = 'xgb-explain-spec' AND size(top_features) = 5").count());
  }

  @Test
  void aWrongXGBoostParamNamesTheKey() {
    PipelineSpec.Model typo = spec(Map.of("max_dpeth", "4")).model();
    LakemlException unknown = assertThrows(LakemlException.class, () -> Trainer.estimator("is_late", typo, typo.params()));
    assertTrue(unknown.getMessage().contains("model.params.max_dpeth") && unknown.getMessage().contains("max_depth"), unknown.getMessage());
    assertEquals(2, unknown.exitCode());

    PipelineSpec.Model word = spec(Map.of("eta", "fast")).model();
    LakemlException value = assertThrows(LakemlException.class, () -> Trainer.estimator("is_late", word, word.params()));
    assertTrue(value.getMessage().contains("model.params.eta") && value.getMessage().contains("'fast'"), value.getMessage());

    PipelineSpec.Model alias = spec(Map.of("maxDepth", "-1")).model();
    LakemlException range = assertThrows(LakemlException.class, () -> Trainer.estimator("is_late", alias, alias.params()));
    assertTrue(range.getMessage().contains("model.params.maxDepth") && range.getMessage().contains("'-1'"), range.getMessage());
  }

  @Test
  void withoutTheLibraryTheErrorSaysWhichPackageToAdd() {
    ClassLoader withoutXGBoost = new ClassLoader(null) {}; // the JDK's classes only
    LakemlException e = assertThrows(LakemlException.class, () -> XGBoost.requireOnClasspath(withoutXGBoost, "train flight_delay with model.estimator = xgboost"));
    assertTrue(e.getMessage().startsWith("Cannot train flight_delay with model.estimator = xgboost: XGBoost"), e.getMessage());
    assertTrue(e.getMessage().contains("--packages ml.dmlc:xgboost4j-spark_2.12:3.1.1"), e.getMessage());
    assertEquals(2, e.exitCode());
    assertDoesNotThrow(() -> XGBoost.requireOnClasspath(XGBoost.class.getClassLoader(), "train"));
  }
}
