package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

class BinaryMetricsTest {
  private static final StructType SCHEMA =
      new StructType().add("g", DataTypes.StringType).add("score", DataTypes.DoubleType).add("label", DataTypes.IntegerType);

  private static Dataset<Row> frame(List<Row> rows) {
    return TestSpark.session().createDataFrame(rows, SCHEMA).repartition(3);
  }

  /** Rows whose label is drawn with the score's probability; {@code decimals} below 10 makes ties. */
  private static List<Row> drawn(int n, int decimals, long seed) {
    Random r = new Random(seed);
    double scale = Math.pow(10, decimals);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double s = Math.round(r.nextDouble() * scale) / scale;
      rows.add(RowFactory.create(i % 2 == 0 ? "a" : "b", s, r.nextDouble() < s ? 1 : 0));
    }
    return rows;
  }

  /** MLlib's exact areas (no bins: each distinct score a point, whatever the partitioning). */
  private static double[] mllib(List<Row> rows) {
    List<Tuple2<Object, Object>> pairs = new ArrayList<>();
    for (Row row : rows) {
      pairs.add(new Tuple2<>(row.getDouble(1), (double) row.getInt(2)));
    }
    SparkSession spark = TestSpark.session();
    BinaryClassificationMetrics m = new BinaryClassificationMetrics(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(pairs, 3).rdd(), 0);
    try {
      return new double[] {m.areaUnderROC(), m.areaUnderPR()};
    } finally {
      m.unpersist();
    }
  }

  /**
   * The rows with MLlib's bins applied by hand: the distinct scores, highest first, in runs of
   * floor(distinct / BINS); every score of a run replaced by the run's last (lowest) one.
   */
  private static List<Row> binnedByHand(List<Row> rows) {
    double[] distinct = rows.stream().mapToDouble(r -> r.getDouble(1)).distinct().sorted().toArray();
    long grouping = distinct.length / BinaryMetrics.BINS;
    java.util.Map<Double, Double> runScore = new java.util.HashMap<>();
    for (int k = 0; k < distinct.length; k++) {
      int rank = distinct.length - 1 - k; // 0 = highest
      long runEnd = Math.min(distinct.length - 1, (rank / grouping + 1) * grouping - 1);
      runScore.put(distinct[k], distinct[(int) (distinct.length - 1 - runEnd)]);
    }
    List<Row> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(RowFactory.create(r.getString(0), runScore.get(r.getDouble(1)), r.getInt(2)));
    }
    return out;
  }

  @Test
  void areasEqualMllibsWithTiesAndWithBins() {
    // 2,000 rows on 101 distinct scores: fewer than 2 per bin, so every score is a point.
    List<Row> ties = drawn(2_000, 2, 7);
    BinaryMetrics.Metrics ours = BinaryMetrics.of(frame(ties), col("score"), col("label"));
    double[] exact = mllib(ties);
    assertEquals(exact[0], ours.auc(), 1e-12);
    assertEquals(exact[1], ours.prAuc(), 1e-12);
    assertTrue(ours.auc() > 0.7, "scores that drew the labels rank them: " + ours);

    // 12,000 distinct scores: each run of 12 consecutive scores is one point of the curves.
    List<Row> distinct = drawn(12_000, 12, 11);
    BinaryMetrics.Metrics binned = BinaryMetrics.of(frame(distinct), col("score"), col("label"));
    double[] byHand = mllib(binnedByHand(distinct));
    assertEquals(byHand[0], binned.auc(), 1e-12);
    assertEquals(byHand[1], binned.prAuc(), 1e-12);
    double[] unbinned = mllib(distinct);
    assertTrue(binned.auc() != unbinned[0] && Math.abs(binned.auc() - unbinned[0]) < 1e-4, binned.auc() + " against " + unbinned[0]);
  }

  @Test
  void smallCaseByHand() {
    List<Row> rows =
        List.of(RowFactory.create("x", 0.9, 1), RowFactory.create("x", 0.8, 0), RowFactory.create("x", 0.7, 1), RowFactory.create("x", 0.6, 0));
    BinaryMetrics.Metrics m = BinaryMetrics.of(frame(rows), col("score"), col("label"));
    // ROC: (0,0) (0,.5) (.5,.5) (.5,1) (1,1) -> 0.75.
    assertEquals(0.75, m.auc(), 1e-15);
    // PR: (0,1) (.5,1) (.5,.5) (1,2/3) (1,.5) -> .5 + .5 * (.5 + 2/3) / 2.
    assertEquals(0.5 + 0.5 * (0.5 + 2.0 / 3) / 2, m.prAuc(), 1e-15);
    assertEquals(-(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.4)) / 4, m.logLoss(), 1e-15);
    assertEquals(4, m.rows());
    assertEquals(0.5, m.positiveRate(), 0.0);
  }

  @Test
  void eachGroupIsMeasuredAsItsOwnRows() {
    List<Row> rows = new ArrayList<>(drawn(6_000, 3, 5));
    rows.add(RowFactory.create("a", 0.5, null)); // no label: left out
    rows.add(RowFactory.create("c", 0.3, 0)); // one class only: no area
    rows.add(RowFactory.create("c", 0.4, 0));
    BinaryMetrics.Grouped g = BinaryMetrics.byGroup(frame(rows), col("g"), col("score"), col("label"));

    assertEquals(List.of("a", "b", "c"), new ArrayList<>(g.groups().keySet()));
    assertEquals(6_002, g.all().rows());
    for (String name : List.of("a", "b")) {
      BinaryMetrics.Metrics alone = BinaryMetrics.of(frame(rows).filter(col("g").equalTo(name)), col("score"), col("label"));
      assertEquals(alone, g.groups().get(name), name);
      assertEquals(3_000, alone.rows(), name);
    }
    BinaryMetrics.Metrics c = g.groups().get("c");
    assertEquals(2, c.rows());
    assertEquals(0.0, c.positiveRate(), 0.0);
    assertTrue(Double.isNaN(c.auc()) && Double.isNaN(c.prAuc()), c.toString());
    assertEquals(-(Math.log(0.7) + Math.log(0.6)) / 2, c.logLoss(), 1e-15);
    long positives = g.groups().values().stream().mapToLong(BinaryMetrics.Metrics::positives).sum();
    assertEquals(g.all().positives(), positives);
  }
}
