package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.ml.BinaryMetrics;
import java.util.List;
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

  /** {@code scored}: rows with {@link ReferenceBins#PREDICTION_COLUMN} and a non-null {@code label}. Cache it first. */
  public static RealizedPerformance of(Dataset<Row> scored, String label) {
    List<Row> bins =
        scored
            .groupBy(least(floor(col(ReferenceBins.PREDICTION_COLUMN).multiply(10)), lit(9)).as("bin"))
            .agg(count(lit(1)), avg(col(ReferenceBins.PREDICTION_COLUMN)), avg(col(label).cast("double")), org.apache.spark.sql.functions.sum(col(label).cast("long")))
            .collectAsList();
    long n = 0;
    long positives = 0;
    double sumP = 0;
    double gap = 0;
    for (Row b : bins) {
      long c = b.getLong(1);
      n += c;
      positives += b.getLong(4);
      sumP += b.getDouble(2) * c;
      gap += c * Math.abs(b.getDouble(2) - b.getDouble(3));
    }
    if (n == 0) {
      return new RealizedPerformance(0, null, Double.NaN, Double.NaN, Double.NaN);
    }
    Double auc =
        positives == 0 || positives == n
            ? null
            : BinaryMetrics.of(scored, col(ReferenceBins.PREDICTION_COLUMN), col(label)).auc();
    return new RealizedPerformance(n, auc, sumP / n, (double) positives / n, gap / n);
  }
}
