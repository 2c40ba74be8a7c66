package dev.lakeml.ingest;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;

/**
 * Landing folder to bronze with Spark's streaming file source: each new page file is read once,
 * exploded into records and appended to bronze. Exactly once: the file source's checkpoint knows
 * which files were taken, and each micro-batch is committed with Delta's idempotent transaction id
 * (app id + batch id), so a batch replayed after a crash is skipped, not duplicated.
 *
 * <p>Each commit also carries, in its userMetadata, the {@link PullCursor} (what bronze now holds
 * of every window) and the batch's {@link IngestReconciliation}; the reconciliation is appended to
 * {@code ops.ingest_reconciliation} too, and a batch that does not add up fails the run.
 */
public final class BronzeIngest {
  /** What one ingest run appended, and the cursor bronze holds afterwards. */
  public record Result(
      long batches, long records, long corrupt, List<Long> versions, List<IngestReconciliation> batchAccounts, PullCursor cursor) {}

  /** What to ingest and where. */
  public record Request(
      String runId,
      String landingGlob,
      String sourceName,
      String recordsField,
      String idField,
      TableId bronze,
      LandingState landing,
      long followMillis) {}

  private final Lakehouse lakehouse;

  public BronzeIngest(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** The cursor committed with bronze's newest ingest commit for {@code source}. */
  public static PullCursor committedCursor(Lakehouse lakehouse, TableId bronze, String source) {
    return lakehouse
        .lastCommitInfo(bronze, PullCursor.KEY)
        .map(info -> PullCursor.fromMap(source, info.get(PullCursor.KEY)))
        .orElse(PullCursor.empty(source));
  }

  /**
   * The most landing files (pages) one micro-batch, and so one bronze commit, takes. Each batch
   * parses its pages once into a cache that the reconciliation's counts and the write share (spilled
   * to disk when memory is short), and pays a fixed cost of its own (two Spark jobs, a commit, the
   * checkpoint): 4,000 takes the 3,097 pages of the 3M-record benchmark in one batch (ingest 45.1 and
   * 45.1 s with 2,000 pages a batch against 40.6 and 36.5 s, with a lower peak RSS; BENCHMARKS.md).
   */
  static final int MAX_PAGES_PER_BATCH = 4000;

  /**
   * Takes every landing file not yet ingested ({@code Trigger.AvailableNow}) and returns when done;
   * with {@code followMillis > 0} polls at that interval until the query is stopped.
   */
  public Result run(Request req) {
    TableId bronze = req.bronze();
    String checkpoint = lakehouse.area("checkpoints") + "/" + bronze.layer().dbName() + "/" + bronze.name() + "/" + req.sourceName();
    String appId = "lakeml.ingest." + req.sourceName() + "." + bronze;
    List<Long> versions = new ArrayList<>();
    List<IngestReconciliation> accounts = new ArrayList<>();
    long[] counts = new long[2];
    createIfMissing(req);
    PullCursor[] cursor = {committedCursor(lakehouse, bronze, req.sourceName())};
    Dataset<Row> pages =
        lakehouse
            .spark()
            .readStream()
            .format("text")
            .option("wholetext", "true")
            .option("maxFilesPerTrigger", String.valueOf(MAX_PAGES_PER_BATCH))
            .load(req.landingGlob())
            .select(
                col("value").as("body"),
                col("_metadata.file_path").as("source_file"),
                col("_metadata.file_modification_time").as("file_modified_at"));
    VoidFunction2<Dataset<Row>, Long> commit =
        (batch, batchId) -> {
          // Each page is read and parsed once: the counts and the write share the parsed pages.
          BronzeRecords.Parsed parsed = BronzeRecords.parse(batch, req.recordsField());
          parsed.pages().persist();
          try {
            commitBatch(req, appId, parsed, batchId, cursor, versions, accounts, counts);
          } finally {
            parsed.pages().unpersist();
          }
        };
    try {
      StreamingQuery query =
          pages
              .writeStream()
              .queryName("ingest_" + req.sourceName())
              .option("checkpointLocation", checkpoint)
              .trigger(req.followMillis() > 0 ? Trigger.ProcessingTime(req.followMillis()) : Trigger.AvailableNow())
              .foreachBatch(commit)
              .start();
      try {
        query.awaitTermination();
      } catch (StreamingQueryException e) {
        Throwable root = root(e);
        if (root instanceof LakemlException le) {
          throw new LakemlException(le.getMessage(), e, le.exitCode());
        }
        throw new LakemlException("Cannot ingest " + req.sourceName() + " into " + bronze + ": " + root.getMessage()
            + ". Nothing of the failed batch was committed; fix the cause and rerun ingest.", e);
      }
      return new Result(versions.size(), counts[0], counts[1], versions, accounts, cursor[0]);
    } catch (TimeoutException e) {
      throw new LakemlException("Cannot start ingest of " + req.sourceName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates bronze and the reconciliation table empty before their first data commit. A process
   * killed inside a table's very first commit leaves a {@code _delta_log} folder without a commit,
   * which the catalog cannot register at the next start; an empty first commit keeps that window
   * down to a metadata-only write.
   */
  private void createIfMissing(Request req) {
    var spark = lakehouse.spark();
    if (!lakehouse.exists(req.bronze())) {
      var pages =
          spark.createDataFrame(
              List.of(),
              new org.apache.spark.sql.types.StructType()
                  .add("body", DataTypes.StringType)
                  .add("source_file", DataTypes.StringType)
                  .add("file_modified_at", DataTypes.TimestampType));
      lakehouse.write(
          BronzeRecords.fromPages(pages, req.sourceName(), req.recordsField(), req.idField()),
          req.bronze(), Lakehouse.Write.append().statsOn(BronzeRecords.STATS_COLUMNS), Map.of("run_id", req.runId(), "created_by", "ingest"));
    }
    if (!lakehouse.exists(IngestReconciliation.TABLE)) {
      lakehouse.write(
          spark.createDataFrame(List.<Row>of(), IngestReconciliation.SCHEMA),
          IngestReconciliation.TABLE, Lakehouse.Write.append(), Map.of("run_id", req.runId(), "created_by", "ingest"));
    }
  }

  private void commitBatch(
      Request req, String appId, BronzeRecords.Parsed pages, long batchId, PullCursor[] cursor, List<Long> versions,
      List<IngestReconciliation> accounts, long[] counts) {
    TableId bronze = req.bronze();
    // The per-page counts come from the parsed pages (cached by the caller), counted without
    // exploding them; only the write explodes them into records. Caching the exploded records
    // instead cost more than it saved (BENCHMARKS.md).
    Dataset<Row> records = BronzeRecords.records(pages, req.sourceName(), req.idField());
    // The crash-test hook runs inside the write's tasks, after they opened their data files.
    Dataset<Row> toWrite = PausePoints.armed("bronze-write") ? records.filter(pauseInWriteTasks().apply(col("source_name"))) : records;
    List<Row> facts = BronzeRecords.facts(pages).collectAsList();
    long rows = 0, written = 0, rescued = 0, qPages = 0, qRecords = 0, read = 0;
    Map<String, long[]> byWindow = new TreeMap<>(); // window -> {pages, last page}
    for (Row f : facts) {
      long scanned = f.getLong(f.fieldIndex("scanned"));
      long quarantined = f.getLong(f.fieldIndex("quarantined_pages"));
      rows += f.getLong(f.fieldIndex("rows"));
      written += f.getLong(f.fieldIndex("written"));
      rescued += f.getLong(f.fieldIndex("rescued"));
      qPages += quarantined;
      qRecords += quarantined > 0 ? scanned : 0;
      read += scanned;
      long[] w = byWindow.computeIfAbsent(windowOf(f.getString(f.fieldIndex("source_file"))), k -> new long[2]);
      w[0]++;
      Object lastPage = f.get(f.fieldIndex("last_page"));
      w[1] = Math.max(w[1], lastPage == null ? 0 : ((Number) lastPage).longValue());
    }
    PullCursor next = cursor[0];
    for (Map.Entry<String, long[]> e : byWindow.entrySet()) {
      String window = e.getKey();
      PullCursor.Window before = next.windows().get(window);
      long pagesNow = (before == null ? 0 : before.pages()) + e.getValue()[0];
      long lastPage = Math.max(before == null ? 0 : before.lastPage(), e.getValue()[1]);
      next = next.with(window, new PullCursor.Window(pagesNow, lastPage, req.landing().complete(window, pagesNow)));
    }

    Map<String, Object> info = new TreeMap<>();
    info.put("run_id", req.runId());
    info.put("ingest_batch", batchId);
    info.put("source", req.sourceName());
    info.put(PullCursor.KEY, next.toMap());
    info.put("reconciliation", Map.of("pages", (long) facts.size(), "records_read", read, "written", written,
        "rescued", rescued, "quarantined_pages", qPages, "quarantined_records", qRecords));
    long before = lakehouse.versionOrMissing(bronze);
    lakehouse.write(toWrite, bronze, Lakehouse.Write.append().idempotent(appId, batchId), info);
    // Which commit holds the batch is read from Delta's own transaction record, not from the newest
    // version: a docs commit may follow the data's, and a batch committed before a crash is skipped.
    Optional<Lakehouse.IdempotentCommit> made = lakehouse.idempotentCommit(bronze, appId, batchId, before);
    boolean replayed = made.isEmpty(); // committed before a crash: Delta skipped it
    long recorded = replayed ? lakehouse.txnVersion(bronze, appId) : batchId;
    if (recorded < batchId) {
      throw new LakemlException("Cannot ingest " + req.sourceName() + ": the write of batch " + batchId + " to " + bronze
          + " made no commit, and bronze holds no earlier commit of it (Delta transaction " + appId + " is at "
          + recorded + "). Nothing of the batch was lost: its pages stay in the landing folder;"
          + " check ./scripts/lakeml history " + bronze + " and rerun ingest.");
    }
    long version = made.map(Lakehouse.IdempotentCommit::version).orElse(before);
    long committed = made.map(Lakehouse.IdempotentCommit::rowsAdded).orElse(rows);
    PausePoints.reach("bronze-committed");
    IngestReconciliation account =
        new IngestReconciliation(req.runId(), req.sourceName(), batchId, version, replayed, facts.size(), read,
            written, rescued, qPages, qRecords, committed);
    account.record(lakehouse);
    accounts.add(account);
    if (!account.balanced()) {
      throw new LakemlException("Cannot ingest " + req.sourceName() + ": the records of " + account.describe()
          + " do not add up (see ops.ingest_reconciliation). Bronze v" + version
          + " holds the batch as committed; report this with the batch's source files.");
    }
    if (!replayed) {
      cursor[0] = next;
      counts[0] += rows;
      counts[1] += rescued + qPages;
      versions.add(version);
    }
  }

  /** The window (day folder) a landing file belongs to: its parent folder's name. */
  static String windowOf(String sourceFile) {
    String[] parts = sourceFile.split("/");
    return parts.length >= 2 ? parts[parts.length - 2] : "";
  }

  private static UserDefinedFunction pauseInWriteTasks() {
    return org.apache.spark.sql.functions
        .udf(
            (UDF1<String, Boolean>)
                s -> {
                  PausePoints.reach("bronze-write");
                  return true;
                },
            DataTypes.BooleanType)
        .asNondeterministic();
  }

  private static Throwable root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    // A LakemlException thrown inside foreachBatch is wrapped by Spark; report it, not its cause.
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof LakemlException) {
        return c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return t;
  }
}
