package dev.lakeml.ingest;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The account of one ingest micro-batch: every record read from the batch's pages is written,
 * rescued (kept with a record-level {@code corrupt_reason}) or quarantined (inside a page kept whole
 * because it could not be parsed), and bronze received exactly the rows the batch produced.
 *
 * <ul>
 *   <li>{@code recordsRead}: the records arrays' lengths, counted by a JSON scan of each page
 *       ({@code json_array_length}) apart from the parse that explodes them;
 *   <li>{@code written}: bronze rows with no {@code corrupt_reason};
 *   <li>{@code rescued}: records of a valid page kept with a reason (null, not an object);
 *   <li>{@code quarantinedPages}: pages kept as one row with a page-level reason, holding {@code
 *       quarantinedRecords} records by the scan's count (0 for a body that is not JSON);
 *   <li>{@code rowsCommitted}: the rows Delta reports for the commit ({@code numOutputRows}), or
 *       the batch's rows when the commit was skipped as an already committed replay.
 * </ul>
 *
 * Balanced when {@code recordsRead = written + rescued + quarantinedRecords} and {@code
 * rowsCommitted = written + rescued + quarantinedPages}.
 */
public record IngestReconciliation(
    String runId,
    String source,
    long batchId,
    long bronzeVersion,
    boolean replayed,
    long pages,
    long recordsRead,
    long written,
    long rescued,
    long quarantinedPages,
    long quarantinedRecords,
    long rowsCommitted) {

  public static final TableId TABLE = TableId.of(Layer.OPS, "ingest_reconciliation");

  /** The columns of ops.ingest_reconciliation; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("source", DataTypes.StringType)
          .add("batch_id", DataTypes.LongType)
          .add("bronze_version", DataTypes.LongType)
          .add("replayed", DataTypes.BooleanType)
          .add("pages", DataTypes.LongType)
          .add("records_read", DataTypes.LongType)
          .add("written", DataTypes.LongType)
          .add("rescued", DataTypes.LongType)
          .add("quarantined_pages", DataTypes.LongType)
          .add("quarantined_records", DataTypes.LongType)
          .add("rows_committed", DataTypes.LongType)
          .add("balanced", DataTypes.BooleanType)
          .add("recorded_at", DataTypes.TimestampType);

  public boolean balanced() {
    return recordsRead == written + rescued + quarantinedRecords
        && rowsCommitted == written + rescued + quarantinedPages;
  }

  /** One line for messages: the equation with its numbers. */
  public String describe() {
    return String.format(
        "batch %d: read %,d = written %,d + rescued %,d + quarantined %,d (in %,d pages); bronze rows %,d",
        batchId, recordsRead, written, rescued, quarantinedRecords, quarantinedPages, rowsCommitted);
  }

  /** The figures for a commit's userMetadata. */
  Map<String, Object> toMap() {
    return Map.of(
        "pages", pages,
        "records_read", recordsRead,
        "written", written,
        "rescued", rescued,
        "quarantined_pages", quarantinedPages,
        "quarantined_records", quarantinedRecords);
  }

  /**
   * Appends this batch's row to {@link #TABLE}, idempotently per (source, batch): a batch replayed
   * after a crash adds its row only if the first attempt died before writing it.
   */
  void record(Lakehouse lakehouse) {
    Row row =
        RowFactory.create(
            runId, source, batchId, bronzeVersion, replayed, pages, recordsRead, written, rescued,
            quarantinedPages, quarantinedRecords, rowsCommitted, balanced(), Timestamp.from(Instant.now()));
    lakehouse.write(
        lakehouse.spark().createDataFrame(List.of(row), SCHEMA),
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.ingest.reconciliation." + source, batchId),
        Map.of("run_id", runId, "source", source, "ingest_batch", batchId));
  }
}
