package dev.lakeml.ml;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.types.StructType;

/**
 * Global feature importances keyed by the name of each slot of the assembled feature vector, read
 * from the vector's ML attributes (one-hot slots come out as e.g. {@code origin_oh_ATL}). Trees give
 * impurity importances (summing to 1), XGBoost its total gain per slot (summing to 1); the linear
 * model gives |coefficient| of the unscaled inputs.
 */
final class FeatureImportances {
  private FeatureImportances() {}

  static Map<String, Double> of(PipelineModel model, StructType transformedSchema) {
    Transformer last = model.stages()[model.stages().length - 1];
    Vector weights;
    if (last instanceof GBTClassificationModel g) {
      weights = g.featureImportances();
    } else if (last instanceof RandomForestClassificationModel rf) {
      weights = rf.featureImportances();
    } else if (last instanceof LogisticRegressionModel lr) {
      weights = lr.coefficients();
    } else if (XGBoost.isModel(last)) { // total gain per slot, normalised
      Map<Integer, Double> gain = XGBoost.gain(last);
      int size = AttributeGroup.fromStructField(transformedSchema.apply(Trainer.FEATURES)).size();
      double[] w = new double[Math.max(size, gain.keySet().stream().mapToInt(i -> i + 1).max().orElse(0))];
      gain.forEach((i, v) -> w[i] = v);
      weights = org.apache.spark.ml.linalg.Vectors.dense(w);
    } else {
      return Map.of();
    }
    String[] names = slotNames(transformedSchema, weights.size());
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < weights.size(); i++) {
      double w = last instanceof LogisticRegressionModel ? Math.abs(weights.apply(i)) : weights.apply(i);
      out.put(names[i], w);
    }
    return out;
  }

  /** Names of the feature vector's slots; a slot without a name is called {@code f<i>}. */
  static String[] slotNames(StructType schema, int size) {
    String[] names = new String[size];
    for (int i = 0; i < size; i++) {
      names[i] = "f" + i;
    }
    AttributeGroup group = AttributeGroup.fromStructField(schema.apply(Trainer.FEATURES));
    if (group.attributes().isDefined()) {
      Attribute[] attrs = group.attributes().get();
      for (int i = 0; i < Math.min(size, attrs.length); i++) {
        if (attrs[i].name().isDefined()) {
          names[i] = attrs[i].name().get();
        }
      }
    }
    return names;
  }
}
