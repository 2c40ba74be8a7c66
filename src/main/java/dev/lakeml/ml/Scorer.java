package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.features.PointInTimeFeatures;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.functions;
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
    Dataset<Row> transformed = model.transform(features);
    if (!java.util.Arrays.asList(transformed.columns()).contains(Trainer.PROBABILITY)) {
      return transformed.select(
          col(key),
          col(PointInTimeFeatures.EVENT_DATE),
          col(Regression.PREDICTION).cast("double").as("prediction"),
          lit(version.name()).as("model_name"),
          lit(version.version()).as("model_version"),
          lit(featureTable).as("feature_table"),
          lit(featureVersion).as("feature_table_version"),
          lit(runId).as("run_id"));
    }
    return transformed
        .select(
            col(key),
            col(PointInTimeFeatures.EVENT_DATE),
            functions.vector_to_array(col(Trainer.PROBABILITY), "float64").getItem(1).as("probability"),
            col("prediction").cast("int").as("prediction"),
            lit(version.name()).as("model_name"),
            lit(version.version()).as("model_version"),
            lit(featureTable).as("feature_table"),
            lit(featureVersion).as("feature_table_version"),
            lit(runId).as("run_id"));
  }
}
