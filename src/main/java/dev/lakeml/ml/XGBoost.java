package dev.lakeml.ml;

import java.util.LinkedHashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.sql.SparkSession;

/**
 * {@code model.estimator = xgboost}: XGBoost's Spark classifier ({@code ml.dmlc:xgboost4j-spark_2.12}).
 * Kept apart from {@link Trainer} so that lakeml runs without XGBoost on the classpath (a cluster
 * started without {@code --packages ml.dmlc:xgboost4j-spark_2.12:3.1.1}) for every other estimator.
 *
 * <p>Fixed here, not in the spec: one XGBoost worker per training task with {@code nthread = 1}
 * ({@code spark.task.cpus} must be ≥ nthread), the tracker on the driver's host ({@code
 * spark.driver.host}, loopback locally), and the missing-value policy {@code missing = 0}: the
 * assembled feature vectors may be sparse, where an absent slot means 0, and XGBoost refuses sparse
 * input with any other missing value; nulls are imputed before, so "missing" only ever means 0 —
 * the same for sparse and dense rows. Spec params with MLlib names are mapped: {@code maxIter} →
 * {@code numRound}, {@code maxDepth} → {@code max_depth}, {@code stepSize} → {@code eta}; XGBoost's
 * own names ({@code numRound}, {@code max_depth}, {@code eta}, {@code subsample}, ...) are taken as
 * they are.
 */
final class XGBoost {
  static final Map<String, String> ALIASES = Map.of("maxIter", "numRound", "maxDepth", "max_depth", "stepSize", "eta");

  private XGBoost() {}

  static ProbabilisticClassifier<?, ?, ?> classifier(long seed) {
    // From Java the setters return Params, not the classifier: one statement each.
    XGBoostClassifier x = new XGBoostClassifier();
    x.setNumWorkers(1);
    x.setNthread(1);
    x.setSeed(seed);
    x.setMissing(0.0f);
    SparkSession.getActiveSession()
        .map(s -> s.conf().getOption("spark.driver.host"))
        .foreach(
            h -> {
              if (h.isDefined()) {
                x.setRabitTrackerHostIp(h.get());
              }
              return null;
            });
    return x;
  }

  static boolean isModel(Transformer t) {
    return t.getClass().getName().startsWith("ml.dmlc.xgboost4j.");
  }

  /** Total gain per vector slot index (slots never split on are absent), normalised to sum to 1. */
  static Map<Integer, Double> gain(Transformer model) {
    XGBoostClassificationModel m = (XGBoostClassificationModel) model;
    scala.collection.immutable.Map<String, Object> score;
    try {
      score = m.nativeBooster().getScore("", "total_gain");
    } catch (Exception e) { // XGBoostError, checked, declared by the Scala API
      throw new dev.lakeml.LakemlException("Cannot read the feature importances of the XGBoost model: " + e.getMessage(), e);
    }
    Map<Integer, Double> out = new LinkedHashMap<>();
    double total = 0;
    for (Map.Entry<String, Object> e : scala.collection.JavaConverters.mapAsJavaMap(score).entrySet()) {
      double v = ((Number) e.getValue()).doubleValue();
      out.put(Integer.parseInt(e.getKey().substring(1)), v);
      total += v;
    }
    if (total > 0) {
      for (Map.Entry<Integer, Double> e : out.entrySet()) {
        e.setValue(e.getValue() / total);
      }
    }
    return out;
  }
}
