package dev.lakeml.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A classifier's realized performance on a labelled batch, worked by hand. */
class RealizedPerformanceTest {
  static Dataset<Row> batch(double[] p, int[] label) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < p.length; i++) {
      rows.add(RowFactory.create(p[i], label[i]));
    }
    return TestSpark.session()
        .createDataFrame(rows, new StructType().add(ReferenceBins.PREDICTION_COLUMN, DataTypes.DoubleType).add("delayed", DataTypes.IntegerType))
        .repartition(3);
  }

  /**
   * Bins by tenths of probability (1.0 joins the top bin): [0.05 | 0.15 0.15 | 0.55 | 0.85 | 0.95
   * 0.95 1.0]. Calibration error = sum over bins of rows x |mean probability - observed rate|, over
   * the rows: (0.05 + 2 x 0.35 + 0.55 + 0.15 + 3 x 0.3) / 8. AUC by pairs: 12 of 16 (ties count a
   * half).
   */
  @Test
  void aucMeanProbabilityObservedRateAndCalibrationError() {
    RealizedPerformance r =
        RealizedPerformance.of(batch(new double[] {0.05, 0.15, 0.15, 0.85, 0.95, 0.95, 1.0, 0.55}, new int[] {0, 0, 1, 1, 1, 0, 1, 0}), "delayed");
    assertEquals(8, r.labelledRows());
    assertEquals(0.75, r.auc(), 1e-12);
    assertEquals(4.65 / 8, r.meanProbability(), 1e-12);
    assertEquals(0.5, r.observedRate(), 1e-12);
    assertEquals(2.35 / 8, r.calibrationError(), 1e-12);
    assertNull(r.rmse(), "a classifier has no RMSE");
  }

  @Test
  void oneClassHasNoAucAndNoRowsNoFigures() {
    RealizedPerformance one = RealizedPerformance.of(batch(new double[] {0.2, 0.4}, new int[] {0, 0}), "delayed");
    assertEquals(2, one.labelledRows());
    assertNull(one.auc(), "no ROC curve with one class");
    assertEquals(0.3, one.meanProbability(), 1e-12);
    assertEquals(0.0, one.observedRate());
    assertEquals(0.3, one.calibrationError(), 1e-12);
    RealizedPerformance none = RealizedPerformance.of(batch(new double[] {}, new int[] {}), "delayed");
    assertEquals(0, none.labelledRows());
    assertNull(none.auc());
    assertTrue(Double.isNaN(none.meanProbability()) && Double.isNaN(none.calibrationError()));
  }
}
