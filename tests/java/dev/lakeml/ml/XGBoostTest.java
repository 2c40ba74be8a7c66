package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

class XGBoostTest {
  @Test
  void xgboostTrainsRegistersScoresAndReplaysIdentically() {
    Lakehouse lh = TestSpark.freshLakehouse();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 5, 31), 3);
    GoldFixture.quality(lh, 3, true);
    PipelineSpec full = GoldFixture.fullSpec();
    PipelineSpec.Model m = full.model();
    PipelineSpec.Model xgb =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), PipelineSpec.Estimator.XGBOOST, Map.of("maxIter", "20", "maxDepth", "4", "stepSize", "0.3"),
            m.trainFrom(), m.trainBefore(), m.evaluateFrom(), m.evaluateBefore(), m.seed(), m.classWeight(), m.tuning(), m.promotion());
    PipelineSpec spec =
        new PipelineSpec(full.name(), full.description(), full.owner(), full.file(), full.source(), full.bronzeTable(), full.dimensions(), full.silver(), full.gold(), xgb, full.score(), full.monitor());

    long t0 = System.nanoTime();
    StageResult train = new TrainJob().run(GoldFixture.context(lh, spec, "xgb-train", Map.of()));
    System.out.printf("xgboost train stage: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals("succeeded", train.status(), train.summary());
    ModelVersion v = new ModelRegistry(lh).get("flight_delay", 1);
    assertEquals("xgboost", v.estimator());
    assertEquals("20", v.params().get("maxIter"), "the spec's params are recorded as given");
    assertTrue(v.metrics().get("auc") > 0.75, v.metrics().toString());
    assertEquals(1.0, v.importances().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9, v.importances().toString());
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
}
