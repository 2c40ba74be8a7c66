package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A pipeline stage that stores the assembled {@value Trainer#FEATURES} vector densely, keeping its
 * ML attributes (the slot names). Runs before XGBoost: xgboost4j-spark 3.1.1 pairs a sparse vector's
 * indices with its densified values when it predicts, so every sparse row (nnz < size) was scored
 * from a corrupted matrix (dmlc/xgboost#12404, fixed after 3.1.1); training densifies already, so
 * dense input is what the model was fitted on. Saved and loaded with the pipeline.
 */
public final class DenseFeatures extends Transformer implements DefaultParamsWritable {
  private final String uid;

  public DenseFeatures() {
    this(Identifiable.randomUID("denseFeatures"));
  }

  /** Used by Spark's reader when the pipeline is loaded. */
  public DenseFeatures(String uid) {
    this.uid = uid;
  }

  public static MLReader<DenseFeatures> read() {
    return new DefaultParamsReader<>();
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructField field = dataset.schema().apply(Trainer.FEATURES);
    return dataset
        .toDF()
        .withColumn(
            Trainer.FEATURES,
            functions.array_to_vector(functions.vector_to_array(col(Trainer.FEATURES), "float64")).as(Trainer.FEATURES, field.metadata()));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return schema;
  }

  @Override
  public DenseFeatures copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
