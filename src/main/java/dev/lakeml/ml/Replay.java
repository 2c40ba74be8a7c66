package dev.lakeml.ml;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Re-scores a past scoring run from what its prediction rows recorded — the model version and the
 * feature table at its Delta version, read by time travel — and compares every prediction with the
 * original: same keys, same probability, same class. The original rows are themselves read at the
 * predictions-table version the run committed, so later runs that replaced them do not matter.
 */
public final class Replay {

  /** The comparison: {@code identical} when every key is in both and no value differs. */
  public record Result(
      String runId,
      String model,
      int modelVersion,
      String featureTable,
      long featureTableVersion,
      long predictionsVersion,
      long originalRows,
      long replayedRows,
      long differing,
      double maxAbsDiff) {
    public boolean identical() {
      return originalRows == replayedRows && differing == 0 && maxAbsDiff == 0.0;
    }
  }

  private Replay() {}

  public static Result replay(Lakehouse lakehouse, TableId predictions, String key, String runId) {
    long version = versionWrittenBy(lakehouse, predictions, runId);
    Dataset<Row> original = lakehouse.read(predictions, version).filter(col("run_id").equalTo(runId));
    List<Row> lineage = original.select("model_name", "model_version", "feature_table", "feature_table_version").distinct().limit(2).collectAsList();
    if (lineage.size() != 1) {
      throw new LakemlException(
          "Cannot replay run " + runId + ": its rows in " + predictions + " v" + version + " name " + lineage.size()
              + " model/feature-table versions, expected exactly one.");
    }
    Row l = lineage.get(0);
    ModelRegistry registry = new ModelRegistry(lakehouse);
    ModelVersion model = registry.get(l.getString(0), l.getInt(1));
    String featureTable = l.getString(2);
    long featureVersion = l.getLong(3);
    Dataset<Row> keys = original.select(key);
    Dataset<Row> features = lakehouse.read(TableId.parse(featureTable), featureVersion).join(keys, key);
    Dataset<Row> replayed = Scorer.score(registry.load(model), features, key, model, featureTable, featureVersion, runId);
    // A classifier's rows: probability and class; a regressor's: the predicted value (compared as p).
    String p = List.of(original.columns()).contains("probability") ? "probability" : "prediction";
    Dataset<Row> a = original.select(col(key), col(p).cast("double").as("p0"), col("prediction").as("y0"), lit(1).as("in0"));
    Dataset<Row> b = replayed.select(col(key), col(p).cast("double").as("p1"), col("prediction").as("y1"), lit(1).as("in1"));
    Row r =
        a.join(b, scala.collection.JavaConverters.asScalaBuffer(List.of(key)).toSeq(), "full_outer")
            .agg(
                count(col("in0")),
                count(col("in1")),
                count_if(col("in0").isNull().or(col("in1").isNull()).or(col("y0").notEqual(col("y1"))).or(col("p0").notEqual(col("p1")))),
                coalesce(max(abs(col("p0").minus(col("p1")))), lit(0.0)))
            .first();
    return new Result(runId, model.name(), model.version(), featureTable, featureVersion, version, r.getLong(0), r.getLong(1), r.getLong(2), r.getDouble(3));
  }

  /** The predictions-table version committed by {@code runId}, from the lineage in its userMetadata. */
  public static long versionWrittenBy(Lakehouse lakehouse, TableId predictions, String runId) {
    long found = lakehouse.versionWrittenBy(predictions, runId);
    if (found < 0) {
      throw new LakemlException(
          "Cannot replay run " + runId + ": no commit of " + predictions + " was written by that run. "
              + "List scoring runs with: ./scripts/lakeml sql \"SELECT run_id, count(*) FROM " + predictions + " GROUP BY run_id\"");
    }
    return found;
  }
}
