package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.ml.ApproxQuantiles;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
   * aggregation for the quantiles, one grouped count for the top categories of every categorical,
   * one to count the slots. Each reads {@code data} again, so a scan of a table needs no cache.
   */
  public static List<ReferenceBins> inputs(Dataset<Row> data, List<String> numeric, List<String> categorical, int bins, int topCategories) {
    return inputs(data, numeric, categorical, bins, topCategories, Map.of());
  }

  /**
   * As above, with each numeric input's quantiles at {@link #levels}{@code (bins)} over {@code data}
   * already computed ({@code train} takes them from the pass that gives the Imputer its medians):
   * the quantile pass is left out when every numeric input has them.
   */
  public static List<ReferenceBins> inputs(
      Dataset<Row> data, List<String> numeric, List<String> categorical, int bins, int topCategories, Map<String, double[]> quantiles) {
    return compute(data, numeric, NUMERIC, categorical, bins, topCategories, quantiles);
  }

  /** The quantile levels a numeric input's cut points sit at: 1/bins, 2/bins, ..., (bins-1)/bins. */
  public static double[] levels(int bins) {
    double[] levels = new double[bins - 1];
    for (int i = 1; i < bins; i++) {
      levels[i - 1] = (double) i / bins;
    }
    return levels;
  }

  /**
   * The bins of the prediction, {@link #PREDICTION_COLUMN} of {@code scored}: one pass for the
   * quantiles, one to count. Called with the evaluation window, scored out of sample, so the
   * reference is what the model predicts on rows it has not seen, as every scored batch is (on its
   * own training rows a model predicts more confidently). Cache {@code scored} when it is costly to
   * compute.
   */
  public static ReferenceBins prediction(Dataset<Row> scored, int bins) {
    return compute(scored, List.of(PREDICTION_COLUMN), PREDICTION, List.of(), bins, 0, Map.of()).get(0);
  }

  private static List<ReferenceBins> compute(
      Dataset<Row> data, List<String> quantiled, String quantiledKind, List<String> categorical, int bins, int topCategories, Map<String, double[]> known) {
    List<ReferenceBins> out = new ArrayList<>();
    if (!quantiled.isEmpty() && known.keySet().containsAll(quantiled)) {
      for (String c : quantiled) {
        out.add(new ReferenceBins(c, quantiledKind, distinct(known.get(c)), List.of(), null));
      }
    } else if (!quantiled.isEmpty()) {
      // NaN counts as missing (slot() bins it so), as null does.
      List<Column> quantiles = new ArrayList<>();
      for (String c : quantiled) {
        quantiles.add(ApproxQuantiles.of(col(c), levels(bins)));
      }
      Row q = data.agg(quantiles.get(0), quantiles.subList(1, quantiles.size()).toArray(new Column[0])).first();
      for (int i = 0; i < quantiled.size(); i++) {
        List<Double> edges = q.isNullAt(i) ? List.of() : q.getList(i);
        out.add(new ReferenceBins(quantiled.get(i), quantiledKind, distinct(edges.stream().mapToDouble(e -> e == null ? Double.NaN : e).toArray()), List.of(), null));
      }
    }
    List<List<String>> tops = topCategories(data, categorical, topCategories);
    for (int i = 0; i < categorical.size(); i++) {
      out.add(new ReferenceBins(categorical.get(i), CATEGORICAL, new double[0], tops.get(i), null));
    }
    List<long[]> counts = count(data, out);
    List<ReferenceBins> counted = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      ReferenceBins b = out.get(i);
      counted.add(new ReferenceBins(b.feature(), b.kind(), b.edges(), b.categories(), counts.get(i)));
    }
    return counted;
  }

  /**
   * The {@code top} most frequent non-null values of each of {@code categorical} (as strings; ties
   * by value), from one grouped count of (column, value) pairs over {@code data}.
   */
  private static List<List<String>> topCategories(Dataset<Row> data, List<String> categorical, int top) {
    List<List<String>> out = new ArrayList<>();
    if (categorical.isEmpty()) {
      return out;
    }
    List<Column> values = new ArrayList<>();
    for (String c : categorical) {
      values.add(col(c).cast("string"));
      out.add(new ArrayList<>());
    }
    Dataset<Row> counted = pairs(data, values).filter(col("v").isNotNull()).groupBy("i", "v").count();
    for (Row r : counted.orderBy(col("i"), col("count").desc(), col("v")).collectAsList()) {
      List<String> column = out.get(r.getInt(0));
      if (column.size() < top) {
        column.add(r.getString(1));
      }
    }
    return out.stream().map(List::copyOf).toList();
  }

  /**
   * Counts {@code data} into each reference's slots in one aggregation: every row gives one
   * (reference, slot) pair per reference, grouped and counted. One count per slot as its own
   * aggregate would pass Spark's limit of fields for whole-stage code generation (100) with a
   * dozen inputs, and run several times slower.
   */
  public static List<long[]> count(Dataset<Row> data, List<ReferenceBins> references) {
    List<long[]> out = new ArrayList<>();
    if (references.isEmpty()) {
      return out;
    }
    List<Column> slots = new ArrayList<>();
    for (ReferenceBins b : references) {
      slots.add(b.slot());
      out.add(new long[b.slots()]);
    }
    for (Row r : pairs(data, slots).groupBy("i", "v").count().collectAsList()) {
      out.get(r.getInt(0))[r.getInt(1)] = r.getLong(2);
    }
    return out;
  }

  /** Each row of {@code data} as one row per value: {@code (i, v)}, the index of the value in {@code values} and the value. */
  private static Dataset<Row> pairs(Dataset<Row> data, List<Column> values) {
    Column[] structs = new Column[values.size()];
    for (int i = 0; i < structs.length; i++) {
      structs[i] = functions.struct(functions.lit(i).as("i"), values.get(i).as("v"));
    }
    return data.select(functions.explode(functions.array(structs)).as("p")).select("p.i", "p.v");
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
