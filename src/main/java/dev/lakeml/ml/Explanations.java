package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.LakemlException;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Per-prediction explanations: the {@code k} inputs that moved a prediction most, as {@code
 * top_features: array<struct<feature: string, contribution: double>>}, largest |contribution| first.
 *
 * <p>Logistic regression: contribution = coefficient × value of each slot of the assembled feature
 * vector, in log-odds (the model's logit is intercept + the sum of all contributions); slots are
 * named after the model's inputs — one-hot slots as {@code origin=SEA}, numeric inputs by their
 * name, after imputation. Slots contributing exactly 0 (e.g. one-hot slots of other categories) are
 * left out. Tree models (gbt, random_forest) have no per-prediction attribution in Spark MLlib, so
 * asking to explain one is an error that says so.
 */
public final class Explanations {
  public static final String COLUMN = "top_features";
  public static final int DEFAULT_TOP = 5;

  private Explanations() {}

  /** Adds {@link #COLUMN} to rows transformed by {@code model} (they must hold its feature vector). */
  public static Dataset<Row> withTopFeatures(Dataset<Row> transformed, PipelineModel model, ModelVersion version, int k) {
    Transformer last = model.stages()[model.stages().length - 1];
    if (!(last instanceof LogisticRegressionModel lr)) {
      throw new LakemlException(
          "Cannot explain predictions of " + version.name() + " v" + version.version() + " (" + version.estimator() + "): per-prediction"
              + " contributions are implemented for logistic_regression only (coefficient × value). Spark MLlib's trees (gbt,"
              + " random_forest) give global importances only (see ops.model_registry.importances); score without --explain,"
              + " or train with model.estimator = logistic_regression.",
          null,
          2);
    }
    Vector coefficients = lr.coefficients();
    String[] slots = FeatureImportances.slotNames(transformed.schema(), coefficients.size());
    String[] names = new String[slots.length];
    for (int i = 0; i < slots.length; i++) {
      names[i] = readable(slots[i], version.featureNames());
    }
    return transformed
        .withColumn("_x", org.apache.spark.ml.functions.vector_to_array(col(Trainer.FEATURES), "float64"))
        .withColumn("_names", lit(names))
        .withColumn("_coef", lit(coefficients.toArray()))
        .withColumn(
            COLUMN,
            expr(
                "slice(array_sort(filter(transform(_x, (x, i) -> named_struct('feature', _names[i], 'contribution', _coef[i] * x)),"
                    + " s -> s.contribution <> 0),"
                    + " (a, b) -> CASE WHEN abs(a.contribution) > abs(b.contribution) THEN -1"
                    + " WHEN abs(a.contribution) < abs(b.contribution) THEN 1"
                    + " WHEN a.feature < b.feature THEN -1 WHEN a.feature > b.feature THEN 1 ELSE 0 END), 1, "
                    + k
                    + ")"))
        .drop("_x", "_names", "_coef");
  }

  /** {@code origin_oh_SEA} → {@code origin=SEA}, {@code distance_imp} → {@code distance}, {@code origin_idx} → {@code origin}. */
  static String readable(String slot, List<String> inputs) {
    for (String in : inputs) {
      if (slot.startsWith(in + "_oh_")) {
        return in + "=" + slot.substring(in.length() + 4);
      }
      if (slot.equals(in + "_imp") || slot.equals(in + "_idx")) {
        return in;
      }
    }
    return slot;
  }
}
