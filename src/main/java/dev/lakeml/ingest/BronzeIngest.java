package dev.lakeml.ingest;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.LakemlException;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Landing folder to bronze with Spark's streaming file source: each new page file is read once,
 * exploded into records and appended to bronze. Exactly once: the file source's checkpoint knows
 * which files were taken, and each micro-batch is committed with Delta's idempotent transaction id
 * (app id + batch id), so a batch replayed after a crash is skipped, not duplicated.
 */
public final class BronzeIngest {
  /** What one ingest run appended. */
  public record Result(long batches, long records, long corrupt, List<Long> versions) {}

  private final Lakehouse lakehouse;

  public BronzeIngest(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /**
   * Takes every landing file not yet ingested ({@code Trigger.AvailableNow}) and returns when done;
   * with {@code followMillis > 0} keeps polling at that interval until the thread is interrupted.
   */
  public Result run(
      String landingGlob, String sourceName, String recordsField, String idField, TableId bronze, Map<String, ?> lineage, long followMillis) {
    String checkpoint = lakehouse.area("checkpoints") + "/" + bronze.layer().dbName() + "/" + bronze.name() + "/" + sourceName;
    String appId = "lakeml.ingest." + sourceName + "." + bronze;
    List<Long> versions = new ArrayList<>();
    long[] counts = new long[2];
    Dataset<Row> pages =
        lakehouse
            .spark()
            .readStream()
            .format("text")
            .option("wholetext", "true")
            .option("maxFilesPerTrigger", "2000")
            .load(landingGlob)
            .select(
                col("value").as("body"),
                col("_metadata.file_path").as("source_file"),
                col("_metadata.file_modification_time").as("file_modified_at"));
    Dataset<Row> records = BronzeRecords.fromPages(pages, sourceName, recordsField, idField);
    VoidFunction2<Dataset<Row>, Long> commit =
        (batch, batchId) -> {
          Map<String, Object> info = new java.util.TreeMap<>(lineage);
          info.put("ingest_batch", batchId);
          info.put("source", sourceName);
          long before = lakehouse.versionOrMissing(bronze);
          batch.persist();
          try {
            Row m =
                batch
                    .agg(
                        org.apache.spark.sql.functions.count("*"),
                        org.apache.spark.sql.functions.count("corrupt_reason"))
                    .first();
            long version =
                lakehouse.write(batch, bronze, Lakehouse.Write.append().idempotent(appId, batchId), info);
            if (version != before) { // an already-committed batch replayed after a crash is skipped
              counts[0] += m.getLong(0);
              counts[1] += m.getLong(1);
              versions.add(version);
            }
          } finally {
            batch.unpersist();
          }
        };
    try {
      StreamingQuery query =
          records
              .writeStream()
              .queryName("ingest_" + sourceName)
              .option("checkpointLocation", checkpoint)
              .trigger(followMillis > 0 ? Trigger.ProcessingTime(followMillis) : Trigger.AvailableNow())
              .foreachBatch(commit)
              .start();
      try {
        query.awaitTermination();
      } catch (StreamingQueryException e) {
        throw new LakemlException("Cannot ingest " + sourceName + " into " + bronze + ": " + rootMessage(e), e);
      }
      return new Result(versions.size(), counts[0], counts[1], versions);
    } catch (TimeoutException e) {
      throw new LakemlException("Cannot start ingest of " + sourceName + ": " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
