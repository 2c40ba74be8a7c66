package dev.lakeml.ml;

import dev.lakeml.LakemlException;
import java.util.LinkedHashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The calls into xgboost4j-spark, behind {@link XGBoost}: loading this class needs the library. */
final class XGBoostLibrary {
  private XGBoostLibrary() {}

  static ProbabilisticClassifier<?, ?, ?> classifier(long seed, String[] featureTypes) {
    // From Java the setters return Params, not the classifier: one statement each.
    XGBoostClassifier x = new XGBoostClassifier();
    x.setNumWorkers(1);
    x.setNthread(1);
    x.setSeed(seed);
    x.setFeatureTypes(featureTypes);
    SparkSession.getActiveSession()
        .foreach(
            s -> {
              x.setNumWorkers(XGBoost.workers(s.sparkContext().defaultParallelism()));
              scala.Option<String> host = s.conf().getOption("spark.driver.host");
              if (host.isDefined()) {
                x.setRabitTrackerHostIp(host.get());
              }
              return null;
            });
    return x;
  }

  static void predictWithThreads(Transformer model, int threads) {
    try {
      ((XGBoostClassificationModel) model).nativeBooster().setParam("nthread", threads);
    } catch (Exception e) { // XGBoostError, checked, declared by the Scala API
      throw new LakemlException("Cannot set the XGBoost model's prediction threads: " + e.getMessage(), e);
    }
  }

  static Map<Integer, Double> gain(Transformer model) {
    XGBoostClassificationModel m = (XGBoostClassificationModel) model;
    scala.collection.immutable.Map<String, Object> score;
    try {
      score = m.nativeBooster().getScore("", "total_gain");
    } catch (Exception e) { // XGBoostError, checked, declared by the Scala API
      throw new LakemlException("Cannot read the feature importances of the XGBoost model: " + e.getMessage(), e);
    }
    Map<Integer, Double> out = new LinkedHashMap<>();
    double total = 0;
    for (Map.Entry<String, Object> e : scala.collection.JavaConverters.mapAsJavaMap(score).entrySet()) {
      double v = ((Number) e.getValue()).doubleValue();
      out.merge(slot(e.getKey()), v, Double::sum);
      total += v;
    }
    if (total > 0) {
      for (Map.Entry<Integer, Double> e : out.entrySet()) {
        e.setValue(e.getValue() / total);
      }
    }
    return out;
  }

  /**
   * The slot a key of {@code getScore} names. xgboost4j keys it by the split's text in the model
   * dump: {@code f12} for a numeric split ({@code f12<3.5}), but the whole {@code f1:{0,3,7}} for a
   * split on a set of categories, so one categorical slot comes back under many keys; their gains are
   * summed into the slot.
   */
  static int slot(String key) {
    int end = 1;
    while (end < key.length() && Character.isDigit(key.charAt(end))) {
      end++;
    }
    if (!key.startsWith("f") || end == 1) {
      throw new LakemlException("Cannot read the feature importances of the XGBoost model: unexpected feature '" + key + "' in its scores.", null);
    }
    return Integer.parseInt(key.substring(1, end));
  }

  static Dataset<Row> withContributions(Transformer model, Dataset<Row> transformed, String column) {
    // A copy that predicts only contributions: the rows already hold probability and prediction.
    XGBoostClassificationModel m = ((XGBoostClassificationModel) model).copy(ParamMap.empty());
    m.setProbabilityCol("");
    m.setRawPredictionCol("");
    m.setPredictionCol("");
    m.setLeafPredictionCol("");
    m.setContribPredictionCol(column);
    return m.transform(transformed)
        .withColumn(column, org.apache.spark.ml.functions.vector_to_array(org.apache.spark.sql.functions.col(column), "float64"));
  }
}
