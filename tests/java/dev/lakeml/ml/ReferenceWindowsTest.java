package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import dev.lakeml.monitor.ReferenceBins;
import dev.lakeml.monitor.ReferenceStore;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * The reference bins train stores for drift monitoring: every input's from the training window, the
 * prediction's from the evaluation window as the fitted model scores it (out of sample), whether
 * train computes them from the window it evaluated or, after a run killed before they were stored,
 * from the registered model.
 */
class ReferenceWindowsTest {
  @Test
  void inputsComeFromTheTrainingWindowAndThePredictionFromTheScoredEvaluationWindow() throws java.io.IOException {
    Lakehouse lh = TestSpark.freshLakehouse();
    PipelineSpec spec = GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin"));
    // windows: train [2001-01-08, 2001-05-01), evaluate [2001-05-01, 2001-06-01)
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-06-01"), 12, 7), 1);
    StageResult trained = new TrainJob().run(GoldFixture.context(lh, spec, "train-1", Map.of()));
    assertEquals(StageResult.SUCCEEDED, trained.status(), trained.summary());
    ModelVersion v = new ModelRegistry(lh).versions("flight_delay").get(0);

    Dataset<Row> gold = lh.read(GoldFixture.GOLD);
    long trainRows = Trainer.window(gold, "2001-01-08", "2001-05-01").count();
    long evalRows = Trainer.window(gold, "2001-05-01", "2001-06-01").count();
    List<Row> stored = lh.read(ReferenceStore.TABLE).orderBy("kind", "feature").select("feature", "kind", "reference_window").collectAsList();
    assertEquals(
        List.of(
            List.of("origin", "categorical", "[2001-01-08, 2001-05-01)"),
            List.of("dep_hour", "numeric", "[2001-01-08, 2001-05-01)"),
            List.of("distance", "numeric", "[2001-01-08, 2001-05-01)"),
            List.of(ReferenceBins.PREDICTION_COLUMN, "prediction", "[2001-05-01, 2001-06-01)")),
        stored.stream().map(r -> List.of(r.getString(0), r.getString(1), r.getString(2))).toList());
    List<ReferenceBins> bins = new ReferenceStore(lh).load("flight_delay", v.version());
    for (ReferenceBins b : bins) {
      assertEquals(b.kind().equals(ReferenceBins.PREDICTION) ? evalRows : trainRows, b.rows(), b.feature());
    }

    // The prediction's bins are the registered model's probabilities on the evaluation window.
    ReferenceBins prediction = bins.stream().filter(b -> b.kind().equals(ReferenceBins.PREDICTION)).findFirst().orElseThrow();
    Dataset<Row> rescored =
        new ModelRegistry(lh)
            .load(v)
            .transform(Trainer.window(gold, "2001-05-01", "2001-06-01"))
            .select(org.apache.spark.ml.functions.vector_to_array(functions.col(Trainer.PROBABILITY), "float64").getItem(1).as(ReferenceBins.PREDICTION_COLUMN));
    assertArrayEquals(prediction.counts(), ReferenceBins.count(rescored, List.of(prediction)).get(0));

    // A run killed after the registry commit, before the bins: the next train stores them, from
    // the same windows. (The table is removed whole: a DELETE would keep the idempotent write's
    // transaction id, so the write for the same version would be skipped as done. Edges may differ
    // in the last digit: approxQuantile's merge order is not fixed.)
    org.apache.commons.io.FileUtils.deleteDirectory(new java.io.File(lh.path(ReferenceStore.TABLE)));
    StageResult again = new TrainJob().run(GoldFixture.context(lh, spec, "train-2", Map.of()));
    assertEquals(StageResult.SKIPPED, again.status(), again.summary());
    List<ReferenceBins> recovered = new ReferenceStore(lh).load("flight_delay", v.version());
    assertEquals(bins.stream().map(b -> b.kind() + " " + b.feature() + " " + b.rows()).toList(), recovered.stream().map(b -> b.kind() + " " + b.feature() + " " + b.rows()).toList());
    ReferenceBins recoveredPrediction = recovered.stream().filter(b -> b.kind().equals(ReferenceBins.PREDICTION)).findFirst().orElseThrow();
    assertArrayEquals(recoveredPrediction.counts(), ReferenceBins.count(rescored, List.of(recoveredPrediction)).get(0));
  }
}
