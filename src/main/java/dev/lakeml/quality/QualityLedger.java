package dev.lakeml.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ops.quality_results}: every expectation verdict and every watched metric of every run,
 * keyed by table, Delta version and run id. A run is <em>accepted</em> when its version was
 * published; anomaly baselines read only accepted runs.
 *
 * <p>Rows with {@code rule = 'metric'} are measurements (row_count, null_rate(col)), the history
 * anomaly rules compare with; the other rows are verdicts.
 */
public final class QualityLedger {
  public static final TableId TABLE = TableId.of(Layer.OPS, "quality_results");

  /** The {@code rule} value of rows that hold a measurement, not a verdict. */
  public static final String METRIC = "metric";

  /** The columns of ops.quality_results; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("table_name", DataTypes.StringType)
          .add("source_version", DataTypes.LongType)
          .add("candidate_version", DataTypes.LongType)
          .add("published_version", DataTypes.LongType)
          .add("accepted", DataTypes.BooleanType)
          .add("check_name", DataTypes.StringType)
          .add("rule", DataTypes.StringType)
          .add("action", DataTypes.StringType)
          .add("passed", DataTypes.BooleanType)
          .add("metric", DataTypes.DoubleType)
          .add("failing_rows", DataTypes.LongType)
          .add("message", DataTypes.StringType)
          .add("checked_at", DataTypes.TimestampType);

  /** The userMetadata key that marks a commit as one {@link #record} append. */
  static final String RECORD = "ledger_record";

  /** Rows older than this are dropped by {@link #retain()}, except the baselines' accepted runs. */
  public static final Duration MAX_AGE = Duration.ofDays(90);

  /** Accepted runs kept per table whatever their age: the anomaly baselines read them. */
  public static final int KEEP_ACCEPTED = 20;

  private final Lakehouse lakehouse;
  private final Clock clock;

  public QualityLedger(Lakehouse lakehouse, Clock clock) {
    this.lakehouse = lakehouse;
    this.clock = clock;
  }

  /**
   * Appends the verdicts and metrics of one run on {@code table}. {@code candidateVersion} is the
   * version that was audited (null when the candidate was never written); {@code publishedVersion}
   * the version readers now see (null when the run was not accepted).
   */
  public void record(
      String runId,
      TableId table,
      long sourceVersion,
      Long candidateVersion,
      Long publishedVersion,
      List<CheckOutcome> outcomes,
      Map<String, Double> metrics) {
    Timestamp now = Timestamp.from(clock.instant());
    boolean accepted = publishedVersion != null;
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Double> m : metrics.entrySet()) {
      rows.add(RowFactory.create(runId, table.toString(), sourceVersion, candidateVersion, publishedVersion, accepted, m.getKey(), METRIC, null, null, m.getValue(), null, null, now));
    }
    for (CheckOutcome o : outcomes) {
      rows.add(
          RowFactory.create(
              runId, table.toString(), sourceVersion, candidateVersion, publishedVersion, accepted, o.check(), name(o.rule()), name(o.action()),
              o.passed(), o.metric(), o.failingRows(), o.message(), now));
    }
    // The commit says what it recorded, so recorded() can answer from the log (see there).
    Map<String, Object> commit = new LinkedHashMap<>();
    commit.put("run_id", runId);
    commit.put("table", table.toString());
    commit.put(RECORD, true);
    if (publishedVersion != null) {
      commit.put("published_version", publishedVersion);
    }
    try {
      lakehouse.write(lakehouse.spark().createDataFrame(rows, SCHEMA), TABLE, Lakehouse.Write.append(), commit);
    } catch (Exception e) { // Delta's AnalysisException is checked in Java but undeclared (Scala)
      if (!String.valueOf(e.getMessage()).contains("schema mismatch")) {
        throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
      }
      throw new dev.lakeml.LakemlException(
          "Cannot record quality verdicts in " + TABLE + ": the table under " + lakehouse.root()
              + " has the columns of an older lakeml (e.g. 'level', 'published'). Move its folder "
              + lakehouse.path(TABLE) + " aside (or use a new --root) and rerun; the verdicts of this run were not recorded.",
          e);
    }
  }

  /**
   * Whether verdicts are recorded for {@code table}'s data commit {@code version} (or a later
   * version: a metadata-only commit, e.g. catalog docs, may follow the data). A process killed
   * between the table's commit and this record leaves a version with no verdicts on record: the
   * job then recomputes it rather than trusting it.
   *
   * <p>Every stage's up-to-date check asks this, so it first reads the ledger's newest commit files:
   * each {@link #record} append names its table and published version in its userMetadata. Only the
   * appends since the ledger was last rewritten are trusted ({@link #retain}, or anyone's overwrite,
   * may have dropped rows); past them it reads the rows, as it always did ({@link Lakehouse#appendsSay}).
   */
  public boolean recorded(TableId table, long version) {
    return lakehouse.exists(TABLE)
        && (lakehouse.appendsSay(TABLE, RECORD, info -> table.toString().equals(info.get("table")) && info.get("published_version") instanceof Number p && p.longValue() >= version)
            || !lakehouse.read(TABLE).filter(col("table_name").equalTo(table.toString()).and(col("published_version").geq(version))).limit(1).isEmpty());
  }

  /**
   * Whether the accepted run that published {@code table}'s data version {@code version} recorded
   * check {@code check} as passed with exactly {@code metric}.
   */
  public boolean passedWith(TableId table, long version, String check, double metric) {
    return lakehouse.exists(TABLE)
        && !lakehouse
            .read(TABLE)
            .filter(
                col("table_name").equalTo(table.toString())
                    .and(col("published_version").equalTo(version))
                    .and(col("accepted"))
                    .and(col("check_name").equalTo(check))
                    .and(col("rule").notEqual(METRIC))
                    .and(col("passed"))
                    .and(col("metric").equalTo(metric)))
            .limit(1)
            .isEmpty();
  }

  /** {@code metric} of {@code table} in its newest {@code n} accepted runs, newest first. */
  public List<Double> acceptedHistory(TableId table, String metric, int n) {
    if (!lakehouse.exists(TABLE)) {
      return List.of();
    }
    List<Double> out = new ArrayList<>();
    for (Row r :
        lakehouse
            .read(TABLE)
            .filter(col("table_name").equalTo(table.toString()).and(col("accepted")).and(col("rule").equalTo(METRIC)).and(col("check_name").equalTo(metric)))
            .orderBy(col("checked_at").desc(), col("published_version").desc())
            .select("metric")
            .limit(n)
            .collectAsList()) {
      out.add(r.isNullAt(0) ? null : r.getDouble(0));
    }
    out.removeIf(java.util.Objects::isNull);
    return out;
  }

  /** {@link #retain(Duration, int)} with {@link #MAX_AGE} and {@link #KEEP_ACCEPTED}. */
  public long retain() {
    return retain(MAX_AGE, KEEP_ACCEPTED);
  }

  /**
   * Drops rows older than {@code maxAge}, except those of each table's newest {@code keepAccepted}
   * accepted runs (the anomaly baselines). Commits only when something is dropped; returns how many
   * rows were.
   */
  public long retain(Duration maxAge, int keepAccepted) {
    if (!lakehouse.exists(TABLE)) {
      return 0;
    }
    long version = lakehouse.latestVersion(TABLE);
    Dataset<Row> all = lakehouse.read(TABLE, version);
    Timestamp cutoff = Timestamp.from(clock.instant().minus(maxAge));
    // Young enough to stay by age alone (a null checked_at is not, as the filter below drops it).
    org.apache.spark.sql.Column young = org.apache.spark.sql.functions.coalesce(col("checked_at").geq(lit(cutoff)), lit(false));
    if (all.filter(org.apache.spark.sql.functions.not(young)).isEmpty()) {
      return 0; // nothing is old: the baselines need no ranking
    }
    Dataset<Row> acceptedRank =
        all.filter(col("accepted"))
            .select("table_name", "run_id", "checked_at")
            .distinct()
            .withColumn("_rank", dense_rank().over(Window.partitionBy("table_name").orderBy(col("checked_at").desc(), col("run_id").desc())))
            .filter(col("_rank").leq(keepAccepted))
            .select(col("table_name").as("_t"), col("run_id").as("_r"), lit(true).as("_keep"));
    Dataset<Row> kept =
        all.join(acceptedRank, col("table_name").equalTo(col("_t")).and(col("run_id").equalTo(col("_r"))), "left")
            .filter(young.or(col("_keep").isNotNull()))
            .drop("_t", "_r", "_keep");
    long dropped = all.count() - kept.count();
    if (dropped > 0) {
      lakehouse.write(kept, TABLE, Lakehouse.Write.overwrite(), Map.of("retention_from_version", version, "rows_dropped", dropped));
    }
    return dropped;
  }

  private static String name(Enum<?> e) {
    return e == null ? null : e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
