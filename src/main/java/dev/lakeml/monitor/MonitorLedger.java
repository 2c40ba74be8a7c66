package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What monitoring measured, appended every run: {@code ops.feature_drift} (every drift value, one row
 * per input and the prediction) and {@code ops.model_performance} (realized performance once labels
 * are known). Both keyed by the scoring run they describe and the monitoring run that measured it.
 */
public final class MonitorLedger {
  public static final TableId DRIFT = TableId.of(Layer.OPS, "feature_drift");
  public static final TableId PERFORMANCE = TableId.of(Layer.OPS, "model_performance");

  /** The columns of ops.feature_drift; catalog/ops.conf documents each. */
  public static final StructType DRIFT_SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("scoring_run_id", DataTypes.StringType)
          .add("model_name", DataTypes.StringType)
          .add("model_version", DataTypes.IntegerType)
          .add("feature", DataTypes.StringType)
          .add("kind", DataTypes.StringType)
          .add("metric", DataTypes.StringType)
          .add("value", DataTypes.DoubleType)
          .add("warn_threshold", DataTypes.DoubleType)
          .add("alarm_threshold", DataTypes.DoubleType)
          .add("status", DataTypes.StringType)
          .add("rows", DataTypes.LongType)
          .add("reference_rows", DataTypes.LongType)
          .add("feature_table", DataTypes.StringType)
          .add("feature_table_version", DataTypes.LongType)
          .add("monitored_at", DataTypes.TimestampType);

  /** The columns of ops.model_performance; catalog/ops.conf documents each. */
  public static final StructType PERFORMANCE_SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("scoring_run_id", DataTypes.StringType)
          .add("model_name", DataTypes.StringType)
          .add("model_version", DataTypes.IntegerType)
          .add("scored_rows", DataTypes.LongType)
          .add("labelled_rows", DataTypes.LongType)
          .add("auc", DataTypes.DoubleType)
          .add("mean_probability", DataTypes.DoubleType)
          .add("observed_rate", DataTypes.DoubleType)
          .add("calibration_error", DataTypes.DoubleType)
          .add("label_table", DataTypes.StringType)
          .add("label_table_version", DataTypes.LongType)
          .add("monitored_at", DataTypes.TimestampType)
          // regression models (null for classifiers)
          .add("rmse", DataTypes.DoubleType)
          .add("mae", DataTypes.DoubleType)
          .add("r2", DataTypes.DoubleType);

  /** Which batch was measured, with which model, from which feature and label table versions. */
  public record Batch(String scoringRunId, String model, int modelVersion, String featureTable, long featureTableVersion, long labelTableVersion) {}

  private final Lakehouse lakehouse;

  public MonitorLedger(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** True when this scoring run was already measured against these label-table versions. */
  public boolean measured(Batch batch) {
    return lakehouse.exists(PERFORMANCE)
        && !lakehouse
            .read(PERFORMANCE)
            .filter(col("scoring_run_id").equalTo(batch.scoringRunId()).and(col("label_table_version").equalTo(batch.labelTableVersion())))
            .limit(1)
            .isEmpty();
  }

  /**
   * The newest measurement of a scoring run: the label-table version it read, when, and how many of
   * the run's rows had a label then.
   */
  public record Measured(long labelTableVersion, Instant at, long scoredRows, long labelledRows) {}

  /** The newest measurement of {@code scoringRunId} against labels of {@code labelTable}; empty for none. */
  public java.util.Optional<Measured> lastMeasured(String scoringRunId, String labelTable) {
    if (!lakehouse.exists(PERFORMANCE)) {
      return java.util.Optional.empty();
    }
    List<Row> rows =
        lakehouse
            .read(PERFORMANCE)
            .filter(col("scoring_run_id").equalTo(scoringRunId).and(col("label_table").equalTo(labelTable)))
            .orderBy(col("label_table_version").desc())
            .select("label_table_version", "monitored_at", "scored_rows", "labelled_rows")
            .limit(1)
            .collectAsList();
    if (rows.isEmpty()) {
      return java.util.Optional.empty();
    }
    Row r = rows.get(0);
    return java.util.Optional.of(new Measured(r.getLong(0), r.getTimestamp(1).toInstant(), r.getLong(2), r.getLong(3)));
  }

  /** Appends the drift values, then the performance row (written last: it marks the batch measured). */
  public long[] record(String runId, Batch batch, List<FeatureDrift> drift, long scoredRows, RealizedPerformance perf) {
    Timestamp now = Timestamp.from(Instant.now());
    List<Row> rows = new ArrayList<>();
    for (FeatureDrift d : drift) {
      rows.add(
          RowFactory.create(
              runId, batch.scoringRunId(), batch.model(), batch.modelVersion(), d.feature(), d.kind(), d.metric(), d.value(), d.warn(), d.alarm(),
              d.status(), d.rows(), d.referenceRows(), batch.featureTable(), batch.featureTableVersion(), now));
    }
    Map<String, Object> lineage = Map.of("run_id", runId, "scoring_run_id", batch.scoringRunId(), "model_version", batch.modelVersion());
    long dv = lakehouse.write(lakehouse.spark().createDataFrame(rows, DRIFT_SCHEMA), DRIFT, Lakehouse.Write.append(), lineage);
    Row p =
        RowFactory.create(
            runId, batch.scoringRunId(), batch.model(), batch.modelVersion(), scoredRows, perf.labelledRows(), perf.auc(), nan(perf.meanProbability()),
            nan(perf.observedRate()), nan(perf.calibrationError()), batch.featureTable(), batch.labelTableVersion(), now, perf.rmse(), perf.mae(), perf.r2());
    lakehouse.addMissingColumns(PERFORMANCE, PERFORMANCE_SCHEMA); // a table written before the regression columns existed
    long pv = lakehouse.write(lakehouse.spark().createDataFrame(List.of(p), PERFORMANCE_SCHEMA), PERFORMANCE, Lakehouse.Write.append(), lineage);
    return new long[] {dv, pv};
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
