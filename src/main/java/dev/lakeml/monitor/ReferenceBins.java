package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The reference distribution of one model input (or of the prediction), stored with the model
 * version: numeric inputs as quantile cut points of the training window plus the share in each bin,
 * categoricals as the most frequent categories, the prediction as quantile cut points of the
 * evaluation window. Slots: numeric {@code [-inf, e0), [e0, e1), ...,
 * [e_last, +inf), missing}; categorical {@code c0, c1, ..., other, missing}. Batches are counted into
 * the same slots, so PSI and Jensen-Shannon compare like with like.
 */
public record ReferenceBins(String feature, String kind, double[] edges, List<String> categories, long[] counts) {
  public static final String NUMERIC = "numeric";
  public static final String CATEGORICAL = "categorical";
  public static final String PREDICTION = "prediction";
  /** The column holding the predicted probability of the positive class, as a double. */
  public static final String PREDICTION_COLUMN = "probability";

  public int slots() {
    return kind.equals(CATEGORICAL) ? categories.size() + 2 : edges.length + 2;
  }

  /** The slot index of each row's value: one integer column named after the feature. */
  public Column slot() {
    Column x = col(kind.equals(PREDICTION) ? PREDICTION_COLUMN : feature);
    if (kind.equals(CATEGORICAL)) {
      Column c = functions.when(x.isNull(), functions.lit(categories.size() + 1));
      for (int i = 0; i < categories.size(); i++) {
        c = c.when(x.cast("string").equalTo(functions.lit(categories.get(i))), functions.lit(i));
      }
      return c.otherwise(functions.lit(categories.size()));
    }
    Column xd = x.cast("double");
    Column c = functions.when(xd.isNull().or(functions.isnan(xd)), functions.lit(edges.length + 1));
    for (int i = 0; i < edges.length; i++) {
      c = c.when(xd.lt(functions.lit(edges[i])), functions.lit(i));
    }
    return c.otherwise(functions.lit(edges.length));
  }

  /**
   * The bins of every input on {@code data} (the training window: what the model learned from): one
   * pass for the quantiles, one per categorical for the top categories, one to count the slots.
   * Cache {@code data} before calling.
   */
  public static List<ReferenceBins> inputs(Dataset<Row> data, List<String> numeric, List<String> categorical, int bins, int topCategories) {
    return compute(data, numeric, NUMERIC, categorical, bins, topCategories);
  }

  /**
   * The bins of the prediction, {@link #PREDICTION_COLUMN} of {@code scored}: one pass for the
   * quantiles, one to count. Called with the evaluation window, scored out of sample, so the
   * reference is what the model predicts on rows it has not seen, as every scored batch is (on its
   * own training rows a model predicts more confidently). Cache {@code scored} before calling.
   */
  public static ReferenceBins prediction(Dataset<Row> scored, int bins) {
    return compute(scored, List.of(PREDICTION_COLUMN), PREDICTION, List.of(), bins, 0).get(0);
  }

  private static List<ReferenceBins> compute(Dataset<Row> data, List<String> quantiled, String quantiledKind, List<String> categorical, int bins, int topCategories) {
    List<ReferenceBins> out = new ArrayList<>();
    if (!quantiled.isEmpty()) {
      double[] probabilities = new double[bins - 1];
      for (int i = 1; i < bins; i++) {
        probabilities[i - 1] = (double) i / bins;
      }
      Dataset<Row> asDouble = data.select(quantiled.stream().map(c -> col(c).cast("double").as(c)).toArray(Column[]::new));
      double[][] quantiles = asDouble.stat().approxQuantile(quantiled.toArray(new String[0]), probabilities, 0.001);
      for (int i = 0; i < quantiled.size(); i++) {
        out.add(new ReferenceBins(quantiled.get(i), quantiledKind, distinct(quantiles[i]), List.of(), null));
      }
    }
    for (String c : categorical) {
      List<String> top = new ArrayList<>();
      for (Row r : data.filter(col(c).isNotNull()).groupBy(col(c).cast("string").as(c)).count().orderBy(col("count").desc(), col(c)).limit(topCategories).collectAsList()) {
        top.add(r.getString(0));
      }
      out.add(new ReferenceBins(c, CATEGORICAL, new double[0], List.copyOf(top), null));
    }
    List<long[]> counts = count(data, out);
    List<ReferenceBins> counted = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      ReferenceBins b = out.get(i);
      counted.add(new ReferenceBins(b.feature(), b.kind(), b.edges(), b.categories(), counts.get(i)));
    }
    return counted;
  }

  /** Counts {@code data} into each reference's slots in one aggregation pass. */
  public static List<long[]> count(Dataset<Row> data, List<ReferenceBins> references) {
    if (references.isEmpty()) {
      return List.of();
    }
    List<Column> slots = new ArrayList<>();
    for (int i = 0; i < references.size(); i++) {
      slots.add(references.get(i).slot().as("s" + i));
    }
    Dataset<Row> slotted = data.select(slots.toArray(new Column[0]));
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < references.size(); i++) {
      for (int s = 0; s < references.get(i).slots(); s++) {
        aggs.add(functions.count_if(col("s" + i).equalTo(s)));
      }
    }
    Row r = slotted.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    List<long[]> out = new ArrayList<>();
    int k = 0;
    for (ReferenceBins b : references) {
      long[] c = new long[b.slots()];
      for (int s = 0; s < c.length; s++) {
        c[s] = r.getLong(k++);
      }
      out.add(c);
    }
    return out;
  }

  public long rows() {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }

  private static double[] distinct(double[] edges) {
    LinkedHashSet<Double> seen = new LinkedHashSet<>();
    for (double e : edges) {
      if (!Double.isNaN(e)) {
        seen.add(e);
      }
    }
    return seen.stream().mapToDouble(Double::doubleValue).sorted().toArray();
  }
}
