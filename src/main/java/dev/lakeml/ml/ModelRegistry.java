package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Model versions kept in the Delta table {@code ops.model_registry}; model files under
 * {@code <root>/_models/<name>/v<N>}. The registry row is the commit point: files are written
 * first, so a crash leaves at most unregistered files that the next attempt overwrites.
 */
public final class ModelRegistry {
  public static final TableId TABLE = TableId.of(Layer.OPS, "model_registry");

  /** The columns of ops.model_registry; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("model_name", DataTypes.StringType, false)
          .add("version", DataTypes.IntegerType, false)
          .add("pipeline", DataTypes.StringType)
          .add("estimator", DataTypes.StringType)
          .add("model_path", DataTypes.StringType)
          .add("training_table", DataTypes.StringType)
          .add("training_table_version", DataTypes.LongType)
          .add("params", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
          .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
          .add("feature_names", DataTypes.createArrayType(DataTypes.StringType))
          .add("train_window", DataTypes.StringType)
          .add("evaluate_window", DataTypes.StringType)
          .add("spec_hash", DataTypes.StringType)
          .add("code_version", DataTypes.StringType)
          .add("spark_version", DataTypes.StringType)
          .add("delta_version", DataTypes.StringType)
          .add("run_id", DataTypes.StringType)
          .add("created_at", DataTypes.TimestampType)
          .add("importances", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType));

  private final Lakehouse lakehouse;

  public ModelRegistry(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  public List<ModelVersion> versions(String name) {
    if (!lakehouse.exists(TABLE)) {
      return List.of();
    }
    List<ModelVersion> out = new ArrayList<>();
    for (Row r : lakehouse.read(TABLE).filter(col("model_name").equalTo(name)).orderBy("version").collectAsList()) {
      out.add(fromRow(r));
    }
    return out;
  }

  public Optional<ModelVersion> latest(String name) {
    List<ModelVersion> all = versions(name);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  public ModelVersion get(String name, int version) {
    return versions(name).stream()
        .filter(v -> v.version() == version)
        .findFirst()
        .orElseThrow(
            () ->
                new LakemlException(
                    "Cannot use model " + name + " version " + version + ": it is not registered. "
                        + "Registered versions: " + versions(name).stream().map(v -> "v" + v.version()).toList()
                        + ". Run ./scripts/lakeml train first."));
  }

  /** A version already trained from the same spec on the same table version, if any. */
  public Optional<ModelVersion> find(String name, String specHash, String table, long tableVersion) {
    return versions(name).stream()
        .filter(v -> v.specHash().equals(specHash) && v.trainingTable().equals(table) && v.trainingTableVersion() == tableVersion)
        .reduce((a, b) -> b);
  }

  /** The newest version of {@code name} fitted with {@code specHash} on {@code table} at a version before {@code tableVersionBefore}. */
  public Optional<ModelVersion> newestOn(String name, String specHash, String table, long tableVersionBefore) {
    return versions(name).stream()
        .filter(v -> v.specHash().equals(specHash) && v.trainingTable().equals(table) && v.trainingTableVersion() < tableVersionBefore)
        .reduce((a, b) -> b);
  }

  public int nextVersion(String name) {
    return latest(name).map(v -> v.version() + 1).orElse(1);
  }

  public String modelPath(String name, int version) {
    return lakehouse.area("models") + "/" + name + "/v" + version;
  }

  /** Saves the model files, then commits the registry row (idempotent per name and version). */
  public ModelVersion register(PipelineModel model, ModelVersion v) {
    try {
      model.write().overwrite().save(v.path());
    } catch (IOException e) {
      throw new LakemlException("Cannot save model " + v.name() + " v" + v.version() + " to " + v.path() + ": " + e.getMessage(), e);
    }
    Dataset<Row> row = lakehouse.spark().createDataFrame(List.of(toRow(v)), SCHEMA);
    lakehouse.write(
        row,
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.registry." + v.name(), v.version()),
        Map.of("model", v.name(), "model_version", v.version(), "run_id", v.runId()));
    return v;
  }

  public PipelineModel load(ModelVersion v) {
    if (XGBoost.ESTIMATOR.equals(v.estimator())) {
      XGBoost.requireOnClasspath(XGBoost.class.getClassLoader(), "load " + v.name() + " v" + v.version() + " (xgboost)");
    }
    return PipelineModel.load(v.path());
  }

  private static Row toRow(ModelVersion v) {
    return RowFactory.create(
        v.name(),
        v.version(),
        v.pipeline(),
        v.estimator(),
        v.path(),
        v.trainingTable(),
        v.trainingTableVersion(),
        scala.collection.JavaConverters.mapAsScalaMap(v.params()),
        scala.collection.JavaConverters.mapAsScalaMap(v.metrics()),
        scala.collection.JavaConverters.asScalaBuffer(v.featureNames()).toSeq(),
        v.trainWindow(),
        v.evaluateWindow(),
        v.specHash(),
        v.codeVersion(),
        v.sparkVersion(),
        v.deltaVersion(),
        v.runId(),
        Timestamp.from(v.createdAt()),
        scala.collection.JavaConverters.mapAsScalaMap(v.importances()));
  }

  private static ModelVersion fromRow(Row r) {
    return new ModelVersion(
        r.getString(0),
        r.getInt(1),
        r.getString(2),
        r.getString(3),
        r.getString(4),
        r.getString(5),
        r.getLong(6),
        r.getJavaMap(7),
        r.getJavaMap(8),
        r.getList(9),
        r.getString(10),
        r.getString(11),
        r.getString(12),
        r.getString(13),
        r.getString(14),
        r.getString(15),
        r.getString(16),
        r.getTimestamp(17).toInstant(),
        r.size() <= 18 || r.isNullAt(18) ? Map.of() : r.getJavaMap(18)); // registries written before importances existed
  }
}
