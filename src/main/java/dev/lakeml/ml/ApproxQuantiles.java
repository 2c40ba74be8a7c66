package dev.lakeml.ml;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * Approximate quantiles of a column as one SQL aggregate: Spark's {@code percentile_approx} at
 * relative error 1/{@value #ACCURACY}. That is the same {@code QuantileSummaries} as {@code
 * Dataset.stat().approxQuantile} and MLlib's {@code Imputer} at its default relative error (0.001),
 * computed by a code-generated aggregate instead of an RDD {@code treeAggregate} over every row
 * converted to a {@code Row}. Null and NaN are missing values; a column with none left gives null.
 */
public final class ApproxQuantiles {
  /** 1 / relative error. */
  public static final int ACCURACY = 1000;

  private ApproxQuantiles() {}

  /** An aggregate: the array of {@code x}'s approximate quantiles at {@code levels} (each in [0, 1]), as doubles. */
  public static Column of(Column x, double[] levels) {
    Column d = x.cast("double");
    return functions.percentile_approx(functions.nanvl(d, functions.lit(null).cast("double")), functions.lit(levels), functions.lit(ACCURACY));
  }
}
