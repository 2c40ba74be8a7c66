package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.ml.BinaryMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How the predictions of a batch did once their labels are known. A classifier: AUC, mean predicted
 * probability against the observed rate, and the expected calibration error over ten equal-width
 * probability bins ({@code auc} is null when the labelled rows hold only one class). A regressor:
 * RMSE, MAE and R² of the predicted value ({@code r2} null when the labels do not vary); the
 * classification fields are then NaN / null.
 */
public record RealizedPerformance(
    long labelledRows, Double auc, double meanProbability, double observedRate, double calibrationError, Double rmse, Double mae, Double r2) {

  /** A classifier's performance. */
  public RealizedPerformance(long labelledRows, Double auc, double meanProbability, double observedRate, double calibrationError) {
    this(labelledRows, auc, meanProbability, observedRate, calibrationError, null, null, null);
  }

  /** {@code scored}: rows with {@link ReferenceBins#PREDICTION_COLUMN} holding the predicted value and a non-null {@code label}. */
  public static RealizedPerformance ofRegression(Dataset<Row> scored, String label) {
    Row r =
        scored
            .selectExpr(
                "count(1)",
                "sqrt(avg(pow(" + ReferenceBins.PREDICTION_COLUMN + " - `" + label + "`, 2)))",
                "avg(abs(" + ReferenceBins.PREDICTION_COLUMN + " - `" + label + "`))",
                "avg(pow(" + ReferenceBins.PREDICTION_COLUMN + " - `" + label + "`, 2))",
                "var_pop(`" + label + "`)")
            .first();
    long n = r.getLong(0);
    if (n == 0) {
      return new RealizedPerformance(0, null, Double.NaN, Double.NaN, Double.NaN, null, null, null);
    }
    Double r2 = r.getDouble(4) > 0 ? 1 - r.getDouble(3) / r.getDouble(4) : null;
    return new RealizedPerformance(n, null, Double.NaN, Double.NaN, Double.NaN, r.getDouble(1), r.getDouble(2), r2);
  }

  /**
   * {@code scored}: rows with {@link ReferenceBins#PREDICTION_COLUMN} and a non-null {@code label}.
   * One pass: {@link BinaryMetrics}' counts per (calibration bin, distinct probability) give the
   * AUC, the mean probability, the observed rate and each bin's gap between the two.
   */
  public static RealizedPerformance of(Dataset<Row> scored, String label) {
    Column p = col(ReferenceBins.PREDICTION_COLUMN);
    BinaryMetrics.Grouped m = BinaryMetrics.byGroup(scored, least(floor(p.multiply(10)), lit(9)).cast("int"), p, col(label));
    BinaryMetrics.Metrics all = m.all();
    if (all.rows() == 0) {
      return new RealizedPerformance(0, null, Double.NaN, Double.NaN, Double.NaN);
    }
    double gap = 0;
    for (BinaryMetrics.Metrics bin : m.groups().values()) {
      gap += bin.rows() * Math.abs(bin.meanScore() - bin.positiveRate());
    }
    Double auc = Double.isNaN(all.auc()) ? null : all.auc(); // one class: no ROC curve
    return new RealizedPerformance(all.rows(), auc, all.meanScore(), all.positiveRate(), gap / all.rows());
  }
}
