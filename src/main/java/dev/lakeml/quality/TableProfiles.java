package dev.lakeml.quality;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * {@code ops.table_profiles}: column statistics of table versions, one row per (table, Delta
 * version, column), computed once per version with Deequ's analyzers ({@link DeequChecks#profile}).
 *
 * <p>A version is profiled at most once: {@link #profile} returns the stored profile when there is
 * one, and the append is a Delta idempotent write whose transaction id names the table and version,
 * so a crash after the commit or two runs racing never store a version twice.
 */
public final class TableProfiles {
  public static final TableId TABLE = TableId.of(Layer.OPS, "table_profiles");

  /** Quantile levels stored for numeric columns. */
  public static final List<Double> QUANTILES = List.of(0.05, 0.25, 0.5, 0.75, 0.95);

  /** Most frequent values stored for categorical columns. */
  public static final int TOP_VALUES = 10;

  static final StructType VALUE_COUNT = new StructType().add("value", DataTypes.StringType).add("count", DataTypes.LongType);

  /** The columns of ops.table_profiles; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("table_name", DataTypes.StringType)
          .add("table_version", DataTypes.LongType)
          .add("run_id", DataTypes.StringType)
          .add("column_name", DataTypes.StringType)
          .add("data_type", DataTypes.StringType)
          .add("row_count", DataTypes.LongType)
          .add("completeness", DataTypes.DoubleType)
          .add("approx_distinct", DataTypes.LongType)
          .add("minimum", DataTypes.DoubleType)
          .add("maximum", DataTypes.DoubleType)
          .add("mean", DataTypes.DoubleType)
          .add("stddev", DataTypes.DoubleType)
          .add("quantiles", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
          .add("top_values", DataTypes.createArrayType(VALUE_COUNT))
          .add("profiled_at", DataTypes.TimestampType);

  private final Lakehouse lakehouse;
  private final Clock clock;

  public TableProfiles(Lakehouse lakehouse, Clock clock) {
    this.lakehouse = lakehouse;
    this.clock = clock;
  }

  /** A stored profile, its run and when it was computed. */
  public record Stored(TableId table, long version, String runId, Timestamp profiledAt, List<ColumnProfile> columns) {}

  /** The stored profile of {@code table} at {@code version}, if that version was profiled. */
  public Optional<Stored> stored(TableId table, long version) {
    if (!lakehouse.exists(TABLE)) {
      return Optional.empty();
    }
    List<Row> rows =
        lakehouse.read(TABLE).filter(col("table_name").equalTo(table.toString()).and(col("table_version").equalTo(version))).collectAsList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    List<ColumnProfile> columns = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Double> q = new LinkedHashMap<>();
      if (!r.isNullAt(r.fieldIndex("quantiles"))) {
        q.putAll(r.getJavaMap(r.fieldIndex("quantiles")));
      }
      List<ColumnProfile.ValueCount> top = new ArrayList<>();
      if (!r.isNullAt(r.fieldIndex("top_values"))) {
        for (Row v : r.<Row>getList(r.fieldIndex("top_values"))) {
          top.add(new ColumnProfile.ValueCount(v.getString(0), v.getLong(1)));
        }
      }
      columns.add(
          new ColumnProfile(
              r.getAs("column_name"), r.getAs("data_type"), r.<Long>getAs("row_count"), r.<Double>getAs("completeness"), r.<Long>getAs("approx_distinct"),
              r.getAs("minimum"), r.getAs("maximum"), r.getAs("mean"), r.getAs("stddev"), q, top));
    }
    Row first = rows.get(0);
    // The order the columns have in the table profiled.
    List<String> order = List.of(lakehouse.read(table, version).columns());
    columns.sort(java.util.Comparator.comparingInt(c -> order.indexOf(c.column())));
    return Optional.of(new Stored(table, version, first.getAs("run_id"), first.getAs("profiled_at"), columns));
  }

  /**
   * True when {@code table} has a stored profile of {@code version} or of a later version. Asked by
   * every up-to-date stage, so the newest appends' userMetadata answer first (see {@link Lakehouse#appendsSay}).
   */
  public boolean profiledSince(TableId table, long version) {
    return lakehouse.exists(TABLE)
        && (lakehouse.appendsSay(TABLE, "profiled_table", info -> table.toString().equals(info.get("profiled_table")) && info.get("profiled_version") instanceof Number v && v.longValue() >= version)
            || !lakehouse.read(TABLE).filter(col("table_name").equalTo(table.toString()).and(col("table_version").geq(version))).limit(1).isEmpty());
  }

  /**
   * The profile of {@code table} at {@code version}: the stored one, or computed now and stored
   * under {@code runId}. Ops tables are profiled but not stored.
   */
  public Stored profile(TableId table, long version, String runId) {
    Optional<Stored> stored = stored(table, version);
    if (stored.isPresent()) {
      return stored.get();
    }
    Computed computed = compute(table, version);
    Timestamp now = Timestamp.from(clock.instant());
    if (table.layer() != Layer.OPS) {
      Map<String, Object> how = new LinkedHashMap<>();
      if (computed.mergedFrom() != null) {
        how.put("profile_merged_from_version", computed.mergedFrom());
        how.put("profile_files_read", computed.filesRead());
      }
      store(table, version, runId, now, computed.columns(), how);
    }
    return new Stored(table, version, runId, now, computed.columns());
  }

  /**
   * A profile as computed: over the whole version ({@code mergedFrom} null), or from the stored
   * states of version {@code mergedFrom} merged with the rows of the {@code filesRead} data files
   * appended since.
   */
  record Computed(List<ColumnProfile> columns, Long mergedFrom, int filesRead) {}

  /**
   * Profiles {@code table} at {@code version}, incrementally when it can. The analyzers' states of
   * each table's newest profiled version are kept in {@link #statesDir} (Deequ's {@code
   * HdfsStateProvider}, one folder per version, complete once its {@code _SUCCESS} is written).
   * When every commit since a stored version only appended files ({@link Lakehouse#filesAppended}:
   * a MERGE that inserted rows, an append, a {@code replaceWhere} that removed nothing), the
   * aggregation pass reads only the appended files and merges their states with the stored ones
   * (the top values are still counted over the version). Otherwise (a rewrite, a DELETE, an
   * OPTIMIZE, other columns, states missing or unreadable, a table with partitions or column
   * mapping) it reads the whole version. Either way
   * the states of {@code version} are stored when it is the newest profiled, and older folders
   * removed. Ops tables are profiled whole, without states.
   */
  Computed compute(TableId table, long version) {
    Dataset<Row> data = lakehouse.read(table, version);
    if (table.layer() == Layer.OPS) {
      return new Computed(DeequChecks.profile(data, QUANTILES, TOP_VALUES), null, 0);
    }
    String key = DeequChecks.stateKey(data.schema(), QUANTILES, TOP_VALUES);
    Path dir = new Path(statesDir(table));
    try {
      FileSystem fs = dir.getFileSystem(lakehouse.spark().sparkContext().hadoopConfiguration());
      TreeMap<Long, Path> sameAnalyzers = new TreeMap<>();
      long newest = -1;
      for (FileStatus f : fs.exists(dir) ? fs.listStatus(dir) : new FileStatus[0]) {
        Matcher m = STATE_FOLDER.matcher(f.getPath().getName());
        if (m.matches() && fs.exists(new Path(f.getPath(), "_SUCCESS"))) {
          newest = Math.max(newest, Long.parseLong(m.group(1)));
          if (m.group(2).equals(key)) {
            sameAnalyzers.put(Long.parseLong(m.group(1)), f.getPath());
          }
        }
      }
      // Only the newest profiled version keeps states: an older one (the profile command) is profiled without.
      Path save = newest < version ? new Path(dir, "v" + version + "-" + key) : null;
      String saveTo = save == null ? null : new Path(save, "state").toString();
      if (save != null) {
        fs.delete(save, true); // what a killed run left
      }
      Map.Entry<Long, Path> base = sameAnalyzers.lowerEntry(version);
      Optional<List<String>> appended = base == null ? Optional.empty() : lakehouse.filesAppended(table, base.getKey(), version);
      Computed computed = null;
      if (appended.isPresent()) {
        String from = new Path(base.getValue(), "state").toString();
        computed =
            DeequChecks.profile(data, QUANTILES, TOP_VALUES, saveTo, from, lakehouse.readFiles(table, appended.get()))
                .map(columns -> new Computed(columns, base.getKey(), appended.get().size()))
                .orElse(null);
        if (computed == null) {
          System.err.println("lakeml: warning: the stored profile states of " + table + " v" + base.getKey() + " could not be merged; profiling v" + version + " whole");
          if (save != null) {
            fs.delete(save, true);
          }
        }
      }
      if (computed == null) {
        computed = new Computed(DeequChecks.profile(data, QUANTILES, TOP_VALUES, saveTo, null, null).orElseThrow(), null, 0);
      }
      if (save != null) {
        fs.create(new Path(save, "_SUCCESS"), true).close();
        for (FileStatus f : fs.listStatus(dir)) {
          Matcher m = STATE_FOLDER.matcher(f.getPath().getName());
          if (m.matches() && Long.parseLong(m.group(1)) < version) {
            fs.delete(f.getPath(), true);
          }
        }
      }
      return computed;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or write the profile states of " + table + " in " + dir + " (" + e.getMessage() + "). Check that the lakehouse root is writable; deleting the folder is safe: the next profile then reads the whole version.", e);
    }
  }

  /** {@code <root>/_profile_states/<layer>.<table>}: the analyzers' states of the table's newest profile. */
  public String statesDir(TableId table) {
    return lakehouse.area("profile_states") + "/" + table;
  }

  /** {@code v<version>-<key>}: the states of a version, for the analyzers {@link DeequChecks#stateKey} names. */
  private static final Pattern STATE_FOLDER = Pattern.compile("v(\\d+)-([0-9a-f]+)");

  void store(TableId table, long version, String runId, Timestamp now, List<ColumnProfile> columns, Map<String, Object> how) {
    List<Row> rows = new ArrayList<>();
    for (ColumnProfile c : columns) {
      List<Row> top = new ArrayList<>();
      c.topValues().forEach(v -> top.add(RowFactory.create(v.value(), v.count())));
      rows.add(
          RowFactory.create(
              table.toString(), version, runId, c.column(), c.type(), c.rows(), c.completeness(), c.approxDistinct(), c.min(), c.max(), c.mean(), c.stddev(),
              JavaConverters.mapAsScalaMap(new LinkedHashMap<>(c.quantiles())), JavaConverters.asScalaBuffer(top).toSeq(), now));
    }
    Dataset<Row> df = lakehouse.spark().createDataFrame(rows, SCHEMA);
    // One transaction id per (table, version): a second store of the same version is skipped by Delta.
    lakehouse.write(
        df,
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.profile." + table + ".v" + version, 0),
        lineage(runId, table, version, how));
  }

  private static Map<String, Object> lineage(String runId, TableId table, long version, Map<String, Object> how) {
    Map<String, Object> out = new LinkedHashMap<>(Map.of("run_id", runId, "profiled_table", table.toString(), "profiled_version", version));
    out.putAll(how);
    return out;
  }

  /** The printed columns of {@link #rows}, in order. */
  public static final List<String> HEADER =
      List.of("column", "type", "completeness", "approx_distinct", "min", "max", "mean", "stddev", "quantiles", "top_values");

  /** A profile as printable rows, one per column (see {@link #HEADER}). */
  public static List<String[]> rows(List<ColumnProfile> columns) {
    List<String[]> out = new ArrayList<>();
    for (ColumnProfile c : columns) {
      List<String> q = new ArrayList<>();
      c.quantiles().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> q.add("p" + Math.round(Double.parseDouble(e.getKey()) * 100) + "=" + num(e.getValue())));
      List<String> top = new ArrayList<>();
      c.topValues().stream().limit(5).forEach(v -> top.add(v.value() + ":" + v.count()));
      out.add(
          new String[] {
            c.column(), c.type(), String.format(java.util.Locale.ROOT, "%.4f", c.completeness()), String.valueOf(c.approxDistinct()), num(c.min()), num(c.max()),
            num(c.mean()), num(c.stddev()), String.join(" ", q), String.join(" ", top)
          });
    }
    return out;
  }

  private static String num(Double d) {
    return d == null ? "" : String.format(java.util.Locale.ROOT, "%.4g", d);
  }
}
