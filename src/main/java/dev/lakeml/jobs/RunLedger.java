package dev.lakeml.jobs;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/** One row per command run in {@code ops.runs}: what ran, how long, what it read and wrote. */
public final class RunLedger {
  public static final TableId TABLE = TableId.of(Layer.OPS, "runs");

  static final StructType STAGE =
      new StructType()
          .add("stage", DataTypes.StringType)
          .add("status", DataTypes.StringType)
          .add("seconds", DataTypes.DoubleType)
          .add("summary", DataTypes.StringType);

  /** The columns of ops.runs; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("command", DataTypes.StringType)
          .add("pipeline", DataTypes.StringType)
          .add("env", DataTypes.StringType)
          .add("started_at", DataTypes.TimestampType)
          .add("ended_at", DataTypes.TimestampType)
          .add("status", DataTypes.StringType)
          .add("error", DataTypes.StringType)
          .add("stages", DataTypes.createArrayType(STAGE))
          .add("tables_written", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
          .add("rows", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
          .add("code_version", DataTypes.StringType);

  /** The status of a run that died without recording its end (SIGKILL, crash), written by the next run. */
  public static final String INTERRUPTED = "interrupted";

  private RunLedger() {}

  /** Whether {@code runId} has a row. */
  public static boolean recorded(Lakehouse lakehouse, String runId) {
    return lakehouse.exists(TABLE) && !lakehouse.read(TABLE).filter(org.apache.spark.sql.functions.col("run_id").equalTo(runId)).isEmpty();
  }

  /** {@code started} or {@code ended} may be null when unknown (an interrupted run's end). */
  public static void record(
      Lakehouse lakehouse, String runId, String command, String pipeline, String env, Instant started, Instant ended, String status, String error, List<StageResult> stages) {
    List<Row> stageRows = new ArrayList<>();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    for (StageResult s : stages) {
      stageRows.add(RowFactory.create(s.stage(), s.status(), s.seconds(), s.summary()));
      written.putAll(s.versionsWritten());
      rows.putAll(s.rows());
    }
    Row row =
        RowFactory.create(
            runId,
            command,
            pipeline,
            env,
            started == null ? null : Timestamp.from(started),
            ended == null ? null : Timestamp.from(ended),
            status,
            error,
            JavaConverters.asScalaBuffer(stageRows).toSeq(),
            JavaConverters.mapAsScalaMap(written),
            JavaConverters.mapAsScalaMap(rows),
            System.getProperty("lakeml.code.version", "unknown"));
    lakehouse.write(
        lakehouse.spark().createDataFrame(List.of(row), SCHEMA),
        TABLE,
        Lakehouse.Write.append(),
        Map.of("run_id", runId, "command", command));
  }
}
