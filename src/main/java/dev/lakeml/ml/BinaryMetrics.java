package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A binary classifier's hold-out metrics: area under the ROC curve, area under the precision-recall
 * curve, log-loss, positive rate and mean score, of all rows and of each group (a month, a
 * calibration bin), from <b>one</b> grouped count of positives and negatives per (group, distinct
 * score).
 *
 * <p>The areas are defined as MLlib's {@code BinaryClassificationMetrics} with {@link #BINS} bins (the
 * default of {@code BinaryClassificationEvaluator}): the distinct scores, highest first, are cut into
 * runs of {@code floor(distinct / BINS)} (none when that is below 2); each run is one point of the
 * curves; the ROC curve runs from (0, 0) to (1, 1), the PR curve starts at (0, first precision); the
 * area is the trapezoid sum. MLlib cuts those runs within each partition of a range-partitioned sort,
 * so its value moves a little with the partitioning; here the runs are cut over all scores at once,
 * which is MLlib's value on one partition, on any cluster.
 *
 * <p>MLlib reaches it through six RDD stages (a combine, a sampled range sort, counts and collects),
 * each converting rows to Scala objects. Here one SQL aggregate counts the rows and the driver sweeps
 * the sorted counts: at 3M flights (518,831 hold-out rows, 248,494 distinct xgboost scores) 1.5 s
 * instead of 3.0 s warm. The counts reach the driver one partition at a time; it keeps about 80
 * bytes per distinct (group, score) pair (the counts, their order, one sweep's copy).
 *
 * <p>A row counts as positive when its label is above 0.5 (MLlib's rule); rows whose label or score
 * is null are left out.
 */
public final class BinaryMetrics {
  /** Points per curve: {@code BinaryClassificationEvaluator}'s default {@code numBins}. */
  public static final int BINS = 1000;

  /** Probabilities are clipped to [1e-15, 1 - 1e-15] in the log-loss, as scikit-learn does. */
  private static final double EPS = 1e-15;

  /**
   * One set of rows' metrics; the areas are NaN without both a positive and a negative row.
   * {@code meanScore}: the mean score (predicted probability) of the rows, NaN without rows.
   */
  public record Metrics(long rows, long positives, double auc, double prAuc, double logLoss, double meanScore) {
    public double positiveRate() {
      return rows == 0 ? Double.NaN : (double) positives / rows;
    }

    /** {@code auc}, {@code pr_auc}, {@code log_loss} and {@code positive_rate}, as the registry records them. */
    public Map<String, Double> asMap() {
      Map<String, Double> m = new LinkedHashMap<>();
      m.put("auc", auc);
      m.put("pr_auc", prAuc);
      m.put("log_loss", logLoss);
      m.put("positive_rate", positiveRate());
      return m;
    }
  }

  /** The metrics of all rows, and of each group in the group's order. */
  public record Grouped(Metrics all, Map<String, Metrics> groups) {}

  private BinaryMetrics() {}

  /** The metrics of all of {@code scored}'s rows. {@code score} is the positive class's probability (or any score, for the areas). */
  public static Metrics of(Dataset<Row> scored, Column score, Column label) {
    return byGroup(scored, lit(""), score, label).all();
  }

  /** The metrics of all rows and of each value of {@code group} (a string column; null rows join no group), from one aggregate. */
  public static Grouped byGroup(Dataset<Row> scored, Column group, Column score, Column label) {
    Dataset<Row> counts =
        scored
            .select(group.cast("string").as("g"), score.cast("double").as("s"), label.cast("double").as("l"))
            .where("s IS NOT NULL AND l IS NOT NULL")
            .groupBy("g", "s")
            .agg(count_if(col("l").gt(0.5)).as("p"), count_if(col("l").leq(0.5)).as("n"));
    Table t = new Table();
    Iterator<Row> it = counts.toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      t.add(r.getString(0), r.getDouble(1), r.getLong(2), r.getLong(3));
    }
    return t.metrics();
  }

  /** The collected counts as parallel primitive arrays: group, score, positives, negatives. */
  private static final class Table {
    private final Map<String, Integer> groupIds = new LinkedHashMap<>();
    private int[] group = new int[1024];
    private double[] score = new double[1024];
    private long[] pos = new long[1024];
    private long[] neg = new long[1024];
    private int size;

    void add(String g, double s, long p, long n) {
      if (size == score.length) {
        int cap = size * 2;
        group = Arrays.copyOf(group, cap);
        score = Arrays.copyOf(score, cap);
        pos = Arrays.copyOf(pos, cap);
        neg = Arrays.copyOf(neg, cap);
      }
      group[size] = g == null ? -1 : groupIds.computeIfAbsent(g, k -> groupIds.size());
      score[size] = s;
      pos[size] = p;
      neg[size] = n;
      size++;
    }

    Grouped metrics() {
      // Highest score first (NaN, were there one, ranks above every number, as in Spark's sort).
      Integer[] order = new Integer[size];
      for (int i = 0; i < size; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
      Map<String, Metrics> groups = new TreeMap<>();
      for (Map.Entry<String, Integer> g : groupIds.entrySet()) {
        groups.put(g.getKey(), sweep(order, g.getValue()));
      }
      return new Grouped(sweep(order, Integer.MIN_VALUE), groups);
    }

    /** One pass over the rows of group {@code only} (all rows for MIN_VALUE), highest score first. */
    private Metrics sweep(Integer[] order, int only) {
      // Distinct scores of this selection, merged across groups, with their counts.
      double[] s = new double[size];
      long[] p = new long[size];
      long[] n = new long[size];
      int distinct = 0;
      long positives = 0;
      long negatives = 0;
      double logLoss = 0;
      double scoreSum = 0;
      for (int k = 0; k < size; k++) {
        int i = order[k];
        if (only != Integer.MIN_VALUE && group[i] != only) {
          continue;
        }
        if (distinct == 0 || Double.compare(s[distinct - 1], score[i]) != 0) {
          s[distinct++] = score[i];
        }
        p[distinct - 1] += pos[i];
        n[distinct - 1] += neg[i];
        positives += pos[i];
        negatives += neg[i];
        scoreSum += score[i] * (pos[i] + neg[i]);
        double prob = Math.min(Math.max(score[i], EPS), 1 - EPS);
        logLoss -= pos[i] * Math.log(prob) + neg[i] * Math.log(1 - prob);
      }
      long rows = positives + negatives;
      if (positives == 0 || negatives == 0) {
        return new Metrics(rows, positives, Double.NaN, Double.NaN, rows == 0 ? Double.NaN : logLoss / rows, rows == 0 ? Double.NaN : scoreSum / rows);
      }
      long grouping = distinct / BINS < 2 ? 1 : distinct / BINS;
      double auc = 0;
      double prAuc = 0;
      double fpr = 0;
      double tpr = 0; // the recall
      double precision = Double.NaN;
      long tp = 0;
      long fp = 0;
      for (int start = 0; start < distinct; start += (int) grouping) {
        int end = (int) Math.min(distinct, start + grouping);
        for (int k = start; k < end; k++) {
          tp += p[k];
          fp += n[k];
        }
        double nextFpr = (double) fp / negatives;
        double nextTpr = (double) tp / positives;
        double nextPrecision = tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        auc += (nextFpr - fpr) * (nextTpr + tpr) / 2;
        // The PR curve starts at (0, the first point's precision).
        prAuc += (nextTpr - tpr) * (nextPrecision + (Double.isNaN(precision) ? nextPrecision : precision)) / 2;
        fpr = nextFpr;
        tpr = nextTpr;
        precision = nextPrecision;
      }
      auc += (1 - fpr) * (1 + tpr) / 2;
      return new Metrics(rows, positives, auc, prAuc, logLoss / rows, scoreSum / rows);
    }
  }
}
