package dev.lakeml.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.LakemlException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Per-prediction explanations: the {@code k} model inputs that moved a prediction most, as {@code
 * top_features: array<struct<feature: string, contribution: double>>}, largest |contribution| first,
 * in log-odds: the model's logit is a bias plus the sum of the contributions of all inputs.
 *
 * <ul>
 *   <li>{@code logistic_regression}: contribution = coefficient × value of each slot of the assembled
 *       feature vector (after imputation); the bias is the intercept.
 *   <li>{@code xgboost}: the slot's TreeSHAP value (XGBoost's {@code predictContrib}): how much
 *       knowing that slot moved the logit away from the model's expected logit, which is the bias.
 * </ul>
 *
 * <p>Inputs are named as in the spec: a numeric input by its name, a categorical one as {@code
 * origin=SEA} with the row's own category; its contribution is the sum over its slots: the linear
 * model's one-hot slots (only the row's own is non-zero), XGBoost's one index slot (a native
 * categorical, whose value counts whatever it is — not being ORD is evidence too). Inputs
 * contributing exactly 0 are left out. Spark MLlib's trees (gbt, random_forest) have no
 * per-prediction attribution, so asking to explain one is an error that says so.
 */
public final class Explanations {
  public static final String COLUMN = "top_features";
  public static final int DEFAULT_TOP = 5;

  /** Every input's contribution, array<struct<feature, contribution>> in input order ({@link #withContributions}). */
  static final String CONTRIBUTIONS = "_contributions";
  /** The bias (log-odds) that the contributions move the logit from. */
  static final String BIAS = "_bias";

  private static final String SLOTS = "_slot_contributions";

  private Explanations() {}

  /** Adds {@link #COLUMN} to rows transformed by {@code model} (they must hold its feature vector). */
  public static Dataset<Row> withTopFeatures(Dataset<Row> transformed, PipelineModel model, ModelVersion version, int k) {
    return withContributions(transformed, model, version)
        .withColumn(
            COLUMN,
            expr(
                "slice(array_sort(filter(" + CONTRIBUTIONS + ", s -> s.contribution <> 0),"
                    + " (a, b) -> CASE WHEN abs(a.contribution) > abs(b.contribution) THEN -1"
                    + " WHEN abs(a.contribution) < abs(b.contribution) THEN 1"
                    + " WHEN a.feature < b.feature THEN -1 WHEN a.feature > b.feature THEN 1 ELSE 0 END), 1, "
                    + k
                    + ")"))
        .drop(CONTRIBUTIONS, BIAS);
  }

  /**
   * Adds {@link #CONTRIBUTIONS} (every input, zeros included) and {@link #BIAS}: for each row,
   * {@code BIAS + sum(contribution)} is the logit of its probability.
   */
  static Dataset<Row> withContributions(Dataset<Row> transformed, PipelineModel model, ModelVersion version) {
    Transformer last = model.stages()[model.stages().length - 1];
    Dataset<Row> withSlots;
    int size;
    if (last instanceof LogisticRegressionModel lr) {
      Vector coefficients = lr.coefficients();
      size = coefficients.size();
      withSlots =
          transformed
              .withColumn("_x", org.apache.spark.ml.functions.vector_to_array(col(Trainer.FEATURES), "float64"))
              .withColumn("_coef", lit(coefficients.toArray()))
              .withColumn(SLOTS, expr("transform(_x, (x, i) -> _coef[i] * x)"))
              .withColumn(BIAS, lit(lr.intercept()))
              .drop("_x", "_coef");
    } else if (XGBoost.isModel(last)) {
      size = AttributeGroup.fromStructField(transformed.schema().apply(Trainer.FEATURES)).size();
      withSlots =
          XGBoost.withContributions(last, transformed, "_shap")
              .withColumn(SLOTS, expr("slice(_shap, 1, size(_shap) - 1)"))
              .withColumn(BIAS, expr("element_at(_shap, -1)"))
              .drop("_shap");
    } else {
      throw new LakemlException(
          "Cannot explain predictions of " + version.name() + " v" + version.version() + " (" + version.estimator() + "): per-prediction"
              + " contributions are implemented for logistic_regression (coefficient × value) and xgboost (TreeSHAP). Spark MLlib's"
              + " trees (gbt, random_forest) give global importances only (see ops.model_registry.importances). Score without --explain"
              + " (and score.explain = false), or train with model.estimator = xgboost.",
          null,
          2);
    }
    String[] slots = FeatureImportances.slotNames(transformed.schema(), size);
    return withSlots.withColumn(CONTRIBUTIONS, byInput(slots, version.featureNames(), transformed.columns())).drop(SLOTS);
  }

  /** One struct per model input: slots summed per input, a categorical named after the row's category. */
  static Column byInput(String[] slots, List<String> inputs, String[] columns) {
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    Map<String, Boolean> categorical = new LinkedHashMap<>();
    for (int i = 0; i < slots.length; i++) {
      String input = input(slots[i], inputs);
      groups.computeIfAbsent(input, x -> new ArrayList<>()).add(i);
      categorical.put(input, slots[i].startsWith(input + "_oh_") || slots[i].startsWith(input + "_idx"));
    }
    List<String> present = List.of(columns);
    List<Column> structs = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
      String in = g.getKey();
      Column name =
          categorical.get(in) && present.contains(in)
              ? concat(lit(in + "="), coalesce(col("`" + in + "`").cast("string"), lit("(null)")))
              : lit(in);
      List<Integer> idx = g.getValue();
      String sum =
          idx.size() == 1
              ? SLOTS + "[" + idx.get(0) + "]"
              : "aggregate(array(" + String.join(", ", idx.stream().map(String::valueOf).toList()) + "), 0D, (acc, j) -> acc + " + SLOTS + "[j])";
      structs.add(org.apache.spark.sql.functions.struct(name.as("feature"), expr(sum).cast("double").as("contribution")));
    }
    return org.apache.spark.sql.functions.array(structs.toArray(new Column[0]));
  }

  /** The model input a slot belongs to: {@code origin_oh_SEA} → {@code origin}, {@code distance_imp} → {@code distance}. */
  static String input(String slot, List<String> inputs) {
    for (String in : inputs) {
      if (slot.startsWith(in + "_oh_") || slot.equals(in + "_imp") || slot.equals(in + "_idx")) {
        return in;
      }
    }
    return slot;
  }
}
