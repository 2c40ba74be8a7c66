package dev.lakeml.ml;

import dev.lakeml.LakemlException;
import java.util.Map;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code model.estimator = xgboost}: XGBoost's Spark classifier ({@code ml.dmlc:xgboost4j-spark_2.12}).
 * This class names no XGBoost type, so lakeml loads and runs without XGBoost on the classpath (a
 * cluster started without {@code --packages ml.dmlc:xgboost4j-spark_2.12:3.1.1}) for every other
 * estimator; the calls into the library live in {@link XGBoostLibrary}, reached only after {@link
 * #requireOnClasspath} passed.
 *
 * <p>Fixed here, not in the spec: one XGBoost worker per training task with {@code nthread = 1}
 * ({@code spark.task.cpus} must be ≥ nthread), the tracker on the driver's host ({@code
 * spark.driver.host}, loopback locally), and the missing-value policy {@code missing = 0}: the
 * assembled vectors may be sparse (one-hot categoricals), where an absent slot means 0; nulls are
 * imputed before, so "missing" only ever means the value 0, in training and scoring alike. The
 * pipeline stores the vectors densely before XGBoost ({@link DenseFeatures}: xgboost4j-spark 3.1.1
 * mispredicts sparse rows). Categoricals are one-hot encoded (XGBoost would read an index as an
 * ordered number). Spec params with MLlib names are mapped:
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
  static ProbabilisticClassifier<?, ?, ?> classifier(String modelName, long seed) {
    requireOnClasspath(XGBoost.class.getClassLoader(), "train " + modelName + " with model.estimator = xgboost");
    return XGBoostLibrary.classifier(seed);
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
