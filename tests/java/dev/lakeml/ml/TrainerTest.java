package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.monitor.ReferenceBins;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.sql.Column;
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

  @Test
  void theImputersMediansAndTheDriftCutPointsComeFromOnePassOverTheSplit() {
    // Nulls (route_late_rate_28d, every 7th row) and NaNs (dest_late_rate_7d, every 5th) to leave out.
    Dataset<Row> gold =
        GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-06-01"), 20, 9)
            .withColumn("dest_late_rate_7d", when(col("id").mod(5).equalTo(0), lit(Double.NaN)).otherwise(col("dest_late_rate_7d")))
            .cache();
    PipelineSpec.Model m = GoldFixture.fullSpec().model();
    double[] levels = ReferenceBins.levels(10);
    Trainer.Trained t = Trainer.train(gold, "is_late", m, levels, scored -> {});

    // The Imputer MLlib fits on the same training rows, cast to double as the pipeline does.
    Dataset<Row> train = Trainer.window(gold, m.trainFrom().toString(), m.trainBefore().toString());
    List<Column> cast = new ArrayList<>();
    for (String c : m.numeric()) {
      cast.add(col(c).cast("double").as(c + "_dbl"));
    }
    String[] in = m.numeric().stream().map(c -> c + "_dbl").toArray(String[]::new);
    String[] out = m.numeric().stream().map(c -> c + "_imp").toArray(String[]::new);
    ImputerModel mllib = new Imputer().setInputCols(in).setOutputCols(out).setStrategy("median").fit(train.select(cast.toArray(new Column[0])));
    ImputerModel ours = (ImputerModel) Arrays.stream(t.model().stages()).filter(ImputerModel.class::isInstance).findFirst().orElseThrow();
    assertEquals(mllib.surrogateDF().first(), ours.surrogateDF().first());
    assertEquals(List.of(in), List.of(ours.surrogateDF().columns()));
    assertEquals("median", ours.getStrategy());
    assertArrayEquals(in, ours.getInputCols());

    // The cut points equal those of the reference's own quantile pass, and so do the counts.
    List<ReferenceBins> own = ReferenceBins.inputs(train, m.numeric(), List.of(), 10, 0);
    List<ReferenceBins> given = ReferenceBins.inputs(train, m.numeric(), List.of(), 10, 0, t.trainingQuantiles());
    assertEquals(m.numeric(), List.copyOf(t.trainingQuantiles().keySet()));
    for (int i = 0; i < own.size(); i++) {
      assertArrayEquals(own.get(i).edges(), given.get(i).edges(), own.get(i).feature());
      assertArrayEquals(own.get(i).counts(), given.get(i).counts(), own.get(i).feature());
    }
    assertTrue(own.get(m.numeric().indexOf("distance")).edges().length == 9, "distance has 9 distinct cut points");
    gold.unpersist();
  }

  @Test
  void aNumericInputWithNoValueToTrainOnStopsWithWhatToDo() {
    Dataset<Row> gold =
        GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-06-01"), 2, 3)
            .withColumn("dep_hour", when(col("event_date").geq(lit("2001-05-01")), col("dep_hour")));
    PipelineSpec.Model m = GoldFixture.fullSpec().model();
    LakemlException e = assertThrows(LakemlException.class, () -> Trainer.train(gold, "is_late", m));
    assertTrue(
        e.getMessage().contains("numeric input dep_hour has no value in the training window [" + m.trainFrom() + ", " + m.trainBefore() + ")")
            && e.getMessage().contains("remove it from model.numeric"),
        e.getMessage());
  }
}
