package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.features.PointInTimeFeatures;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Batch scoring: feature rows in, one prediction row per entity out, each carrying its lineage. */
public final class Scorer {
  private Scorer() {}

  /**
   * A classifier's rows carry {@code probability} (of the positive class) and the class {@code
   * prediction} (int); a regressor's rows carry only {@code prediction} (double).
   */
  public static Dataset<Row> score(
      PipelineModel model, Dataset<Row> features, String key, ModelVersion version, String featureTable, long featureVersion, String runId) {
    return score(model, features, key, version, featureTable, featureVersion, runId, 0);
  }

  /** As above; with {@code explainTop > 0}, each row also carries its top contributing features ({@link Explanations}). */
  public static Dataset<Row> score(
      PipelineModel model, Dataset<Row> features, String key, ModelVersion version, String featureTable, long featureVersion, String runId, int explainTop) {
    Dataset<Row> transformed = model.transform(features);
    java.util.List<org.apache.spark.sql.Column> out = new java.util.ArrayList<>(java.util.List.of(col(key), col(PointInTimeFeatures.EVENT_DATE)));
    if (java.util.Arrays.asList(transformed.columns()).contains(Trainer.PROBABILITY)) {
      out.add(Trainer.positiveProbability().as("probability"));
      out.add(col("prediction").cast("int").as("prediction"));
    } else {
      out.add(col(Regression.PREDICTION).cast("double").as("prediction"));
    }
    out.addAll(
        java.util.List.of(
            lit(version.name()).as("model_name"),
            lit(version.version()).as("model_version"),
            lit(featureTable).as("feature_table"),
            lit(featureVersion).as("feature_table_version"),
            lit(runId).as("run_id")));
    if (explainTop > 0) {
      transformed = Explanations.withTopFeatures(transformed, model, version, explainTop);
      out.add(col(Explanations.COLUMN));
    }
    return transformed.select(out.toArray(new org.apache.spark.sql.Column[0]));
  }
}
