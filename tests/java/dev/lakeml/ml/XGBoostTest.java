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
  void xgboostTrainsRegistersScoresAndReplaysIdentically() {
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
    assertTrue(v.importances().containsKey("origin_oh_ORD"), "one-hot slots by name: " + v.importances().keySet());
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
