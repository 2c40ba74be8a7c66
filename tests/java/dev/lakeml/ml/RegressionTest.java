package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** model.task = regression: regressors fitted on a time-ordered split, error metrics, scoring, and the gate's direction. */
class RegressionTest {
  /** y = 2x + 5 at station A, 2x - 5 at B, plus a small deterministic wobble; x missing on the first day (imputed). */
  static Dataset<Row> gold() {
    List<Row> rows = new ArrayList<>();
    StructType schema =
        new StructType()
            .add("id", DataTypes.StringType)
            .add("event_date", DataTypes.DateType)
            .add("station", DataTypes.StringType)
            .add("x", DataTypes.DoubleType)
            .add("y", DataTypes.DoubleType);
    int i = 0;
    for (LocalDate d = LocalDate.parse("2012-01-01"); d.isBefore(LocalDate.parse("2012-05-01")); d = d.plusDays(1)) {
      for (String s : List.of("A", "B")) {
        double x = (i * 7 % 23) - 11;
        double y = 2 * x + (s.equals("A") ? 5 : -5) + ((i % 3) - 1) * 0.1;
        rows.add(RowFactory.create(s + "|" + d, Date.valueOf(d), s, d.getDayOfYear() == 1 ? null : x, y));
        i++;
      }
    }
    return TestSpark.session().createDataFrame(rows, schema);
  }

  static PipelineSpec.Model model(PipelineSpec.Estimator estimator, Map<String, String> params) {
    return new PipelineSpec.Model(
        "m", List.of("station"), List.of("x"), estimator, params,
        LocalDate.parse("2012-01-01"), LocalDate.parse("2012-04-01"), LocalDate.parse("2012-04-01"), LocalDate.parse("2012-05-01"), 7,
        PipelineSpec.ClassWeight.NONE, new PipelineSpec.Tuning(null, Map.of()), new PipelineSpec.Promotion("rmse", 0.0), PipelineSpec.Task.REGRESSION);
  }

  @Test
  void aRegressionIsEvaluatedOnLabelledRowsOnlyAClassifierOnItsWholeWindow() {
    // April's label arrives late for station B: those rows are in the evaluation window, without a y.
    Dataset<Row> gold = gold().withColumn("y", org.apache.spark.sql.functions.expr("CASE WHEN station = 'B' AND event_date >= '2012-04-20' THEN NULL ELSE y END"));
    PipelineSpec.Model regression = model(PipelineSpec.Estimator.LINEAR_REGRESSION, Map.of());
    assertEquals(60 - 11, Trainer.evaluationRows(gold, "y", regression).count(), "April less B's 11 unlabelled days");
    PipelineSpec.Model classifier =
        new PipelineSpec.Model(
            "m", List.of("station"), List.of("x"), PipelineSpec.Estimator.GBT, Map.of(),
            regression.trainFrom(), regression.trainBefore(), regression.evaluateFrom(), regression.evaluateBefore(), 7,
            PipelineSpec.ClassWeight.NONE, new PipelineSpec.Tuning(null, Map.of()), new PipelineSpec.Promotion("auc", 0.0), PipelineSpec.Task.CLASSIFICATION);
    assertEquals(60, Trainer.evaluationRows(gold, "y", classifier).count(), "a classifier's window is not filtered on its label");
  }

  @Test
  void linearAndBoostedRegressorsLearnTheTargetAndReportErrors() {
    Dataset<Row> gold = gold().cache();
    try {
      Trainer.Trained lin = Trainer.train(gold, "y", model(PipelineSpec.Estimator.LINEAR_REGRESSION, Map.of()));
      Map<String, Double> m = lin.metrics();
      assertTrue(m.get("rmse") < 0.5, m.toString());
      assertTrue(m.get("mae") <= m.get("rmse"), "MAE never exceeds RMSE: " + m);
      assertTrue(m.get("r2") > 0.99, m.toString());
      assertEquals(60.0, m.get("eval_rows"), 0.0, "April, two stations");
      assertEquals(60.0, m.get("month=2012-04.rows"), 0.0);
      assertTrue(m.get("month=2012-04.rmse") < 0.5, m.toString());
      assertTrue(lin.importances().get("x_imp") > 1.5 && lin.importances().get("x_imp") < 2.5, "|coefficient of x| ~ 2: " + lin.importances());

      Trainer.Trained gbt = Trainer.train(gold, "y", model(PipelineSpec.Estimator.GBT, Map.of("maxIter", "15", "maxDepth", "3")));
      assertTrue(gbt.metrics().get("r2") > 0.8, gbt.metrics().toString());
      assertTrue(gbt.metrics().get("rmse") > m.get("rmse"), "a piecewise-constant fit of a line is worse than the line");

      // Scoring writes the predicted value, no probability.
      ModelVersion v = new ModelVersion("m", 1, "p", "linear_regression", "/x", "gold.t", 0, Map.of(), m, List.of("station", "x"), "[a, b)", "[c, d)",
          "h", "c", "s", "d", "r", java.time.Instant.now(), Map.of());
      Dataset<Row> scored = Scorer.score(lin.model(), Trainer.window(gold, "2012-04-01", "2012-05-01"), "id", v, "gold.t", 3, "run1");
      assertFalse(List.of(scored.columns()).contains("probability"));
      assertEquals(DataTypes.DoubleType, scored.schema().apply("prediction").dataType());
      Row a = scored.filter("id = 'A|2012-04-10'").first();
      Row truth = gold.filter("id = 'A|2012-04-10'").first();
      assertEquals(truth.<Double>getAs("y"), a.<Double>getAs("prediction"), 0.5);
      assertEquals(3L, a.<Long>getAs("feature_table_version"));
      // The gate's metric on scored rows is the trainer's.
      assertEquals(m.get("rmse"), PromotionGate.metric(lin.model().transform(Trainer.window(gold, "2012-04-01", "2012-05-01")), "y", "rmse"), 1e-9);
    } finally {
      gold.unpersist();
    }
  }

  @Test
  void theGateWantsLowerErrorsAndHigherScores() {
    TrainingDataQuality.Verdict ok = new TrainingDataQuality.Verdict(true, List.of("gold.t v1: 3 check results"), List.of());
    assertTrue(GateEvidence.judge("rmse", 0.05, "gold.t", 1, "[a, b)", 10, 2.00, 2.10, ok).passed(), "0.10 lower RMSE beats 0.05");
    GateEvidence worse = GateEvidence.judge("rmse", 0.05, "gold.t", 1, "[a, b)", 10, 2.20, 2.10, ok);
    assertFalse(worse.passed());
    assertTrue(worse.reasons().get(0).contains("lower is better"), worse.reasons().toString());
    assertFalse(GateEvidence.judge("rmse", 0.05, "gold.t", 1, "[a, b)", 10, 2.08, 2.10, ok).passed(), "better, but not by the margin");
    assertFalse(GateEvidence.judge("mae", 0.0, "gold.t", 1, "[a, b)", 10, 1.6, 1.5, ok).passed());
    assertTrue(GateEvidence.judge("r2", 0.01, "gold.t", 1, "[a, b)", 10, 0.90, 0.85, ok).passed(), "R² is a score: higher is better");
    assertFalse(GateEvidence.judge("r2", 0.01, "gold.t", 1, "[a, b)", 10, 0.80, 0.85, ok).passed());
  }
}
