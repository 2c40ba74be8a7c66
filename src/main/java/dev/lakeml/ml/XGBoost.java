package dev.lakeml.ml;

import dev.lakeml.LakemlException;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code model.estimator = xgboost}: XGBoost's Spark classifier ({@code ml.dmlc:xgboost4j-spark_2.12}).
 * This class names no XGBoost type, so lakeml loads and runs without XGBoost on the classpath (a
 * cluster started without {@code --packages ml.dmlc:xgboost4j-spark_2.12:3.1.1}) for every other
 * estimator; the calls into the library live in {@link XGBoostLibrary}, reached only after {@link
 * #requireOnClasspath} passed.
 *
 * <p>Fixed here, not in the spec: one XGBoost worker per core Spark offers ({@link #workers}), each a
 * training task with {@code nthread = 1} ({@code spark.task.cpus} must be ≥ nthread, and stays 1 so
 * every other stage keeps one task per core), the tracker on the driver's host ({@code
 * spark.driver.host}, loopback locally), and XGBoost's native categoricals: each categorical is one
 * slot holding its index, typed {@code c} ({@link #featureTypes}), so trees split on sets of
 * categories. Its {@code missing} stays NaN: nulls are imputed or indexed before, and the pipeline
 * stores the vectors densely ({@link DenseFeatures}: xgboost4j-spark 3.1.1 mispredicts sparse rows),
 * so a 0 is always a value (index 0 is a category). Before native categoricals each category had a
 * one-hot slot: ~600 slots for the flights, against 10 now, which made training and every
 * prediction many times slower; models saved then keep their own settings ({@code missing = 0}).
 * Spec params with MLlib names are mapped:
 * {@code maxIter} → {@code numRound}, {@code maxDepth} → {@code max_depth}, {@code stepSize} →
 * {@code eta}; XGBoost's own names ({@code numRound}, {@code max_depth}, {@code eta}, {@code
 * subsample}, ...) are taken as they are.
 */
final class XGBoost {
  static final String ESTIMATOR = "xgboost";
  static final String PACKAGE = "ml.dmlc:xgboost4j-spark_2.12:3.1.1";
  static final Map<String, String> ALIASES = Map.of("maxIter", "numRound", "maxDepth", "max_depth", "stepSize", "eta");

  private static final String CLASSIFIER = "ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier";

  private XGBoost() {}

  /** XGBoost's Spark classifier with lakeml's fixed settings; fails with what to do when the library is absent. */
  static ProbabilisticClassifier<?, ?, ?> classifier(String modelName, long seed, int categorical, int numeric) {
    requireOnClasspath(XGBoost.class.getClassLoader(), "train " + modelName + " with model.estimator = xgboost");
    return XGBoostLibrary.classifier(seed, featureTypes(categorical, numeric));
  }

  /**
   * The number of XGBoost workers for a session whose default parallelism is {@code parallelism}
   * (local[n]: n; a cluster: the executors' cores): one per core, so training uses the machine as
   * the other stages do. Its workers run as one barrier stage, which needs that many free task
   * slots at once. The model depends on how the rows are split between workers, so a model trained
   * on a cluster differs a little from one trained locally on the same rows; the number is saved
   * with the model (its {@code numWorkers} param).
   */
  static int workers(int parallelism) {
    return Math.max(1, parallelism);
  }

  /**
   * XGBoost's type of each slot of the assembled vector, which holds the categoricals' indices first,
   * then the numerics: {@code c} (categorical) then {@code q} (quantitative).
   */
  static String[] featureTypes(int categorical, int numeric) {
    String[] types = new String[categorical + numeric];
    java.util.Arrays.fill(types, 0, categorical, "c");
    java.util.Arrays.fill(types, categorical, types.length, "q");
    return types;
  }

  /**
   * Fails with a {@link LakemlException} naming the package to add when XGBoost's classes cannot be
   * loaded by {@code loader}; {@code doing} completes "Cannot ...".
   */
  static void requireOnClasspath(ClassLoader loader, String doing) {
    if (!onClasspath(loader)) {
      throw new LakemlException(
          "Cannot " + doing + ": XGBoost (" + PACKAGE + ") is not on the classpath. The spark-submit jar does not bundle it"
              + " (17 MB with native libraries): add --packages " + PACKAGE + " to spark-submit, or use another model.estimator"
              + " (gbt, random_forest, logistic_regression).",
          null,
          2);
    }
  }

  /** Whether XGBoost's classes can be loaded by {@code loader}. */
  static boolean onClasspath(ClassLoader loader) {
    try {
      Class.forName(CLASSIFIER, false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  static boolean isModel(Transformer t) {
    return t.getClass().getName().startsWith("ml.dmlc.xgboost4j.");
  }

  /**
   * With {@code on}, lets the XGBoost stage of a just-fitted {@code model} predict with as many
   * threads as the session has cores; without, sets it back to the one thread it trained with.
   * A fitted booster keeps its training's {@code nthread = 1}, and xgboost4j's {@code predict} is
   * {@code synchronized}: in one JVM (local mode) the tasks share the booster and take turns, each
   * on one thread, so scoring the evaluation window used half the machine. A model loaded from
   * disk gets XGBoost's default ({@code nthread = 0}: every thread OpenMP offers) and is not touched here.
   * No-op for other models.
   */
  static void predictWithCores(PipelineModel model, SparkSession spark, boolean on) {
    for (Transformer t : model.stages()) {
      if (isModel(t)) {
        XGBoostLibrary.predictWithThreads(t, on ? Math.max(1, spark.sparkContext().defaultParallelism()) : 1);
      }
    }
  }

  /** Total gain per vector slot index (slots never split on are absent), normalised to sum to 1. */
  static Map<Integer, Double> gain(Transformer model) {
    return XGBoostLibrary.gain(model);
  }

  /**
   * Adds {@code column}: array<double> of the TreeSHAP contribution of each vector slot, in
   * log-odds, followed by the bias (the model's expected log-odds) as the last element; the row's
   * logit is their sum.
   */
  static Dataset<Row> withContributions(Transformer model, Dataset<Row> transformed, String column) {
    return XGBoostLibrary.withContributions(model, transformed, column);
  }
}
