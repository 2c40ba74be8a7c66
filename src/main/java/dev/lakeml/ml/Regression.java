package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.features.PointInTimeFeatures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Predictor;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.GBTRegressionModel;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressionModel;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The regression task ({@code model.task = regression}): the same feature pipeline and time-ordered
 * split as classification, a regressor at the end, and error metrics instead of AUC. Predictions are
 * the {@value #PREDICTION} column (a double).
 */
public final class Regression {
  public static final String PREDICTION = "prediction";

  private Regression() {}

  static Predictor<?, ?, ?> estimator(String label, PipelineSpec.Model spec, Map<String, String> params) {
    Predictor<?, ?, ?> est =
        switch (spec.estimator()) {
          case GBT -> new GBTRegressor().setSeed(spec.seed()).setMaxBins(256);
          case RANDOM_FOREST -> new RandomForestRegressor().setSeed(spec.seed()).setMaxBins(256);
          case LINEAR_REGRESSION -> new LinearRegression();
          default -> throw new LakemlException(
              "Cannot train " + spec.name() + ": estimator " + spec.estimator().name().toLowerCase() + " is not a regressor.", null, 2);
        };
    est.setLabelCol(label).setFeaturesCol(Trainer.FEATURES).setPredictionCol(PREDICTION);
    for (Map.Entry<String, String> p : params.entrySet()) {
      Trainer.set(est, p.getKey(), p.getValue(), "model.params." + p.getKey());
    }
    return est;
  }

  static Trainer.Trained train(Dataset<Row> gold, String label, PipelineSpec.Model spec, java.util.function.Consumer<Dataset<Row>> holdOut) {
    Dataset<Row> labelled = gold.filter(col(label).isNotNull());
    Dataset<Row> train = Trainer.window(labelled, spec.trainFrom().toString(), spec.trainBefore().toString());
    Dataset<Row> eval = Trainer.evaluationRows(gold, label, spec);
    long trainRows = train.count();
    long evalRows = eval.count();
    if (trainRows == 0 || evalRows == 0) {
      throw new LakemlException(
          "Cannot train " + spec.name() + ": the split has " + trainRows + " labelled training rows [" + spec.trainFrom() + ", " + spec.trainBefore()
              + ") and " + evalRows + " labelled evaluation rows [" + spec.evaluateFrom() + ", " + spec.evaluateBefore()
              + "). Ingest data covering both windows or change model.split in the spec.");
    }
    Map<String, String> params = new LinkedHashMap<>(spec.params());
    PipelineModel model = Trainer.pipeline(label, spec, params).fit(train);
    Dataset<Row> scored = model.transform(eval).persist();
    try {
      Map<String, Double> metrics = new LinkedHashMap<>(evaluate(scored, label));
      metrics.putAll(perMonth(scored, label));
      metrics.put("train_rows", (double) trainRows);
      metrics.put("eval_rows", (double) evalRows);
      holdOut.accept(scored);
      return new Trainer.Trained(model, metrics, Trainer.featureNames(spec), params, importances(model, scored), Map.of());
    } finally {
      scored.unpersist();
    }
  }

  /** RMSE, MAE, R² and the mean label of rows holding {@value #PREDICTION} and a non-null label. */
  public static Map<String, Double> evaluate(Dataset<Row> scored, String label) {
    Row r =
        scored
            .filter(col(label).isNotNull().and(col(PREDICTION).isNotNull()))
            .selectExpr(
                "count(1)",
                "sqrt(avg(pow(" + PREDICTION + " - `" + label + "`, 2)))",
                "avg(abs(" + PREDICTION + " - `" + label + "`))",
                "avg(`" + label + "`)",
                "var_pop(`" + label + "`)",
                "avg(pow(" + PREDICTION + " - `" + label + "`, 2))")
            .first();
    Map<String, Double> m = new LinkedHashMap<>();
    if (r.getLong(0) == 0) {
      return m;
    }
    m.put("rmse", r.getDouble(1));
    m.put("mae", r.getDouble(2));
    double variance = r.getDouble(4);
    if (variance > 0) {
      m.put("r2", 1 - r.getDouble(5) / variance);
    }
    m.put("mean_label", r.getDouble(3));
    return m;
  }

  /** The metric the promotion gate compares, on scored rows. */
  static double metric(Dataset<Row> scored, String label, String metric) {
    Double v = evaluate(scored, label).get(metric);
    return v == null ? Double.NaN : v;
  }

  /** RMSE, MAE and rows per calendar month of the event date. */
  static Map<String, Double> perMonth(Dataset<Row> scored, String label) {
    Map<String, Double> out = new LinkedHashMap<>();
    List<Row> months =
        scored
            .filter(col(label).isNotNull())
            .selectExpr("date_format(" + PointInTimeFeatures.EVENT_DATE + ", 'yyyy-MM') AS _month", PREDICTION + " - `" + label + "` AS _err")
            .groupBy("_month")
            .agg(
                org.apache.spark.sql.functions.count(col("_err")),
                org.apache.spark.sql.functions.sqrt(org.apache.spark.sql.functions.avg(col("_err").multiply(col("_err")))),
                org.apache.spark.sql.functions.avg(org.apache.spark.sql.functions.abs(col("_err"))))
            .orderBy("_month")
            .collectAsList();
    for (Row m : months) {
      String key = "month=" + m.getString(0);
      out.put(key + ".rows", (double) m.getLong(1));
      out.put(key + ".rmse", m.getDouble(2));
      out.put(key + ".mae", m.getDouble(3));
    }
    return out;
  }

  /** Trees: impurity importances; linear: |coefficient| of the unscaled inputs; by vector-slot name. */
  static Map<String, Double> importances(PipelineModel model, Dataset<Row> transformed) {
    Transformer last = model.stages()[model.stages().length - 1];
    Vector weights;
    if (last instanceof GBTRegressionModel g) {
      weights = g.featureImportances();
    } else if (last instanceof RandomForestRegressionModel rf) {
      weights = rf.featureImportances();
    } else if (last instanceof LinearRegressionModel lr) {
      weights = lr.coefficients();
    } else {
      return Map.of();
    }
    String[] names = FeatureImportances.slotNames(transformed.schema(), weights.size());
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < weights.size(); i++) {
      out.put(names[i], Math.abs(weights.apply(i)));
    }
    return out;
  }
}
