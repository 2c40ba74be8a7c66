package dev.lakeml.quality;

import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.Layer;
import dev.lakeml.lakehouse.TableId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Every check verdict, pass or fail, appended to {@code ops.quality_results}. */
public final class QualityLedger {
  public static final TableId TABLE = TableId.of(Layer.OPS, "quality_results");

  static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("table_name", DataTypes.StringType)
          .add("source_version", DataTypes.LongType)
          .add("check_name", DataTypes.StringType)
          .add("level", DataTypes.StringType)
          .add("passed", DataTypes.BooleanType)
          .add("metric", DataTypes.DoubleType)
          .add("message", DataTypes.StringType)
          .add("published", DataTypes.BooleanType)
          .add("checked_at", DataTypes.TimestampType);

  private final Lakehouse lakehouse;

  public QualityLedger(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /**
   * Records the outcomes of the checks run on {@code table}'s candidate data, computed from
   * {@code sourceVersion} of its input; {@code published} says whether the data was committed.
   */
  public void record(String runId, TableId table, long sourceVersion, List<CheckOutcome> outcomes, boolean published) {
    if (outcomes.isEmpty()) {
      return;
    }
    Timestamp now = Timestamp.from(Instant.now());
    List<Row> rows = new ArrayList<>();
    for (CheckOutcome o : outcomes) {
      rows.add(
          RowFactory.create(
              runId, table.toString(), sourceVersion, o.check(), o.level().name().toLowerCase(), o.passed(), o.metric(), o.message(), published, now));
    }
    lakehouse.write(
        lakehouse.spark().createDataFrame(rows, SCHEMA),
        TABLE,
        Lakehouse.Write.append(),
        Map.of("run_id", runId, "table", table.toString()));
  }
}
