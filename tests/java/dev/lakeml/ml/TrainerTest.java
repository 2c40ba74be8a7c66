package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.config.PipelineSpec;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TrainerTest {
  @Test
  void tunesOnALaterValidationWindowWeighsClassesAndNamesImportances() {
    Dataset<Row> gold = GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-06-01"), 4, 5).cache();
    PipelineSpec.Model m = GoldFixture.spec(List.of("distance", "dep_hour", "origin_flights_7d"), List.of("origin")).model();
    PipelineSpec.Model tuned =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), m.estimator(), m.params(), m.trainFrom(), m.trainBefore(), m.evaluateFrom(), m.evaluateBefore(), m.seed(),
            PipelineSpec.ClassWeight.BALANCED, new PipelineSpec.Tuning(LocalDate.parse("2001-04-01"), Map.of("regParam", List.of("5.0", "0.001"))), m.promotion());
    Trainer.Trained t = Trainer.train(gold, "is_late", tuned);

    assertEquals("0.001", t.params().get("regParam"), "the less regularised candidate validates better on the later window");
    assertTrue(t.metrics().get("tune[regParam=0.001].auc") > t.metrics().get("tune[regParam=5.0].auc"), t.metrics().toString());
    assertEquals(31 * 4, t.metrics().get("month=2001-05.rows"), 0.0);
    assertTrue(t.metrics().get("month=2001-05.auc") > 0.75, t.metrics().toString());
    assertTrue(t.importances().containsKey("origin_oh_ORD"), t.importances().keySet().toString());
    assertTrue(t.importances().containsKey("distance_imp"), t.importances().keySet().toString());
    assertTrue(t.importances().get("origin_oh_ORD") > t.importances().get("origin_oh_ATL"), "ORD is the late hub in the fixture");
    // Balanced weights: the mean predicted probability on training data sits near 0.5, not at the positive rate.
    double meanP =
        t.model().transform(Trainer.window(gold, "2001-01-08", "2001-05-01"))
            .select(org.apache.spark.sql.functions.avg(org.apache.spark.ml.functions.vector_to_array(org.apache.spark.sql.functions.col("probability"), "float64").getItem(1)))
            .first()
            .getDouble(0);
    double rate = Trainer.window(gold, "2001-01-08", "2001-05-01").selectExpr("avg(is_late)").first().getDouble(0);
    assertTrue(Math.abs(meanP - 0.5) < Math.abs(rate - 0.5) || Math.abs(rate - 0.5) < 0.05, "mean p " + meanP + " vs positive rate " + rate);
    gold.unpersist();
  }
}
