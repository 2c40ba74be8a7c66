package dev.lakeml.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class DriftTest {
  private static final PipelineSpec.Monitor SPEC = new PipelineSpec.Monitor(0.10, 0.25, 0.10, 0.25, 10, 20);
  private static final StructType SCHEMA =
      new StructType().add("x", DataTypes.DoubleType).add("hub", DataTypes.StringType).add(ReferenceBins.PREDICTION_COLUMN, DataTypes.DoubleType);

  /** x ~ N(mean, 1), a hub with skewed shares, a probability in [0, 1]. */
  private static Dataset<Row> data(int n, double mean, double[] hubShares, long seed) {
    Random rnd = new Random(seed);
    String[] hubs = {"ATL", "ORD", "DFW", "LAX"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double u = rnd.nextDouble();
      int h = 0;
      for (double acc = hubShares[0]; u > acc && h < hubs.length - 1; acc += hubShares[++h]) {}
      double x = mean + rnd.nextGaussian();
      rows.add(RowFactory.create(i % 50 == 0 ? null : x, hubs[h], 1 / (1 + Math.exp(-x))));
    }
    return TestSpark.session().createDataFrame(rows, SCHEMA);
  }

  @Test
  void psiIsNearZeroForTrainingDataAndAboveTheAlarmForAShiftedBatch() {
    double[] shares = {0.4, 0.3, 0.2, 0.1};
    Dataset<Row> training = data(6000, 0, shares, 1).cache();
    List<ReferenceBins> refs = new ArrayList<>(ReferenceBins.inputs(training, List.of("x"), List.of("hub"), 10, 20));
    assertEquals(List.of("x", "hub"), refs.stream().map(ReferenceBins::feature).toList(), "inputs only");
    refs.add(ReferenceBins.prediction(training, 10));
    assertEquals(ReferenceBins.PREDICTION, refs.get(2).kind());
    assertEquals(6000, refs.get(2).rows());
    ReferenceBins x = refs.stream().filter(r -> r.feature().equals("x")).findFirst().orElseThrow();
    assertEquals(9, x.edges().length, "deciles");
    assertEquals(6000, x.rows());
    assertEquals(120, x.counts()[x.slots() - 1], "nulls have their own slot");

    // A batch drawn from the training data itself.
    Map<String, FeatureDrift> same = byFeature(FeatureDrift.measure(training.sample(false, 0.5, 3), refs, SPEC));
    assertTrue(same.get("x").value() < 0.01, "psi " + same.get("x").value());
    assertEquals("ok", same.get("x").status());
    assertTrue(same.get("hub").value() < 0.01, "js " + same.get("hub").value());
    assertTrue(same.get("probability").value() < 0.01);

    // Shifted: x one standard deviation up (so is the prediction), hubs reversed.
    Map<String, FeatureDrift> shifted = byFeature(FeatureDrift.measure(data(3000, 1.0, new double[] {0.1, 0.2, 0.3, 0.4}, 2), refs, SPEC));
    assertTrue(shifted.get("x").value() > 0.25, "psi " + shifted.get("x").value());
    assertEquals("alarm", shifted.get("x").status());
    assertEquals("psi", shifted.get("x").metric());
    assertEquals("js", shifted.get("hub").metric());
    assertTrue(shifted.get("hub").value() > 0.05, "js " + shifted.get("hub").value());
    assertEquals("alarm", shifted.get("probability").status());
    training.unpersist();
  }

  @Test
  void divergencesOnKnownCounts() {
    assertEquals(0.0, Divergence.psi(new long[] {10, 20, 30}, new long[] {20, 40, 60}), 1e-12);
    assertEquals(0.0, Divergence.jensenShannon(new long[] {1, 2}, new long[] {2, 4}), 1e-12);
    assertEquals(1.0, Divergence.jensenShannon(new long[] {5, 0}, new long[] {0, 5}), 1e-12);
    // 50/50 -> 80/20: (0.3 ln 1.6) + (-0.3 ln 0.4)
    assertEquals(0.3 * Math.log(1.6) - 0.3 * Math.log(0.4), Divergence.psi(new long[] {50, 50}, new long[] {80, 20}), 1e-12);
    assertEquals("warn", Divergence.status(0.1, 0.1, 0.25));
    assertEquals("alarm", Divergence.status(0.3, 0.1, 0.25));
  }

  private static Map<String, FeatureDrift> byFeature(List<FeatureDrift> drift) {
    Map<String, FeatureDrift> m = new java.util.HashMap<>();
    drift.forEach(d -> m.put(d.feature(), d));
    return m;
  }
}
