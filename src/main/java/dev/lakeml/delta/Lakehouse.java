package dev.lakeml.delta;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The lakehouse: a root folder (local path or URI) holding one Delta table per {@link TableId} at
 * {@code <root>/<layer>/<table>}. The only class that speaks Delta: reads at a version, commits with
 * their lineage, history, and catalog registration so every table is reachable as {@code layer.table}.
 */
public final class Lakehouse {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SparkSession spark;
  private final String root;

  public Lakehouse(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  public SparkSession spark() {
    return spark;
  }

  public String root() {
    return root;
  }

  public String path(TableId table) {
    return root + "/" + table.layer().dbName() + "/" + table.name();
  }

  /** A folder under the root for non-table state (checkpoints, models, reports). */
  public String area(String name) {
    return root + "/_" + name;
  }

  public boolean exists(TableId table) {
    return DeltaTable.isDeltaTable(spark, path(table));
  }

  public long latestVersion(TableId table) {
    requireExists(table);
    return logVersions(table)[1];
  }

  /**
   * The oldest and newest commit files in the table's {@code _delta_log} (the versions its history
   * lists), by one listing of that folder: no Spark job reads the commits, which this is called too
   * often for (every pinned read, every up-to-date check).
   */
  private long[] logVersions(TableId table) {
    Path log = new Path(path(table), "_delta_log");
    try {
      FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      long min = Long.MAX_VALUE, max = -1;
      for (FileStatus f : fs.listStatus(log)) {
        String name = f.getPath().getName();
        if (name.length() == 25 && name.endsWith(".json") && name.chars().limit(20).allMatch(Character::isDigit)) {
          long v = Long.parseLong(name.substring(0, 20));
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      if (max < 0) {
        throw new LakemlException("Cannot read the history of table " + table + ": " + log + " holds no commit. Is it a Delta table?");
      }
      return new long[] {min, max};
    } catch (IOException e) {
      throw new LakemlException("Cannot list the log of table " + table + " at " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * The table's Delta id (its metadata's {@code id}): the same across overwrites, new when the table
   * is deleted and created again under the same name.
   */
  public String tableUuid(TableId table) {
    requireExists(table);
    return org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table)).update(false, scala.Option.empty(), scala.Option.empty()).metadata().id();
  }

  /** The latest version, or -1 when the table has not been written yet. */
  public long versionOrMissing(TableId table) {
    return exists(table) ? latestVersion(table) : -1;
  }

  public Dataset<Row> read(TableId table) {
    requireExists(table);
    return spark.read().format("delta").load(path(table));
  }

  /** Reads the table as of {@code version}; a version outside the kept range is explained. */
  public Dataset<Row> read(TableId table, long version) {
    requireExists(table);
    long[] range = versionRange(table);
    if (version < range[0] || version > range[1]) {
      throw Errors.versionMissing(table.toString(), version, range[0], range[1]);
    }
    return spark.read().format("delta").option("versionAsOf", version).load(path(table));
  }

  public Dataset<Row> readAsOfTimestamp(TableId table, String timestamp) {
    requireExists(table);
    try {
      return spark.read().format("delta").option("timestampAsOf", timestamp).load(path(table));
    } catch (RuntimeException e) {
      throw new LakemlException(
          "Cannot read table " + table + " as of " + timestamp + ": " + firstLine(e)
              + " Run ./scripts/lakeml history " + table + " to see the commit times.");
    }
  }

  /** Earliest and latest versions whose data can still be read. */
  public long[] versionRange(TableId table) {
    return logVersions(table);
  }

  public Dataset<Row> history(TableId table) {
    requireExists(table);
    return DeltaTable.forPath(spark, path(table)).history();
  }

  /**
   * Commits {@code data} to {@code table} with the lineage in {@code commitInfo} stored as the
   * commit's userMetadata (visible in DESCRIBE HISTORY). Returns the version written.
   */
  public long write(Dataset<Row> data, TableId table, Write write, Map<String, ?> commitInfo) {
    return write(data, table, write, commitInfo, false);
  }

  /**
   * As {@link #write}, and columns of {@code data} the table lacks are added to its schema in the
   * same commit (Delta's {@code mergeSchema}); e.g. an optional column written on request.
   */
  public long writeAddingColumns(Dataset<Row> data, TableId table, Write write, Map<String, ?> commitInfo) {
    return write(data, table, write, commitInfo, true);
  }

  private long write(Dataset<Row> data, TableId table, Write write, Map<String, ?> commitInfo, boolean mergeSchema) {
    Dataset<Row> rows = data;
    var doc = write.replaceWhere() == null ? dev.lakeml.catalog.AnalystCatalog.docFor(this, table, data.schema()) : java.util.Optional.<dev.lakeml.catalog.TableDoc>empty();
    if (doc.isPresent() && !exists(table) && !leftoversAt(table)) {
      commitWithRetry(() -> createDocumented(data, table, write, commitInfo, doc.get()), table, false);
      return latestVersion(table);
    }
    if (doc.isPresent() && write.mode() == SaveMode.Overwrite) { // its schema replaces the table's: with the comments, no docs commit follows
      rows = withColumnComments(data, doc.get());
    }
    var writer =
        clustered(rows, write).write()
            .format("delta")
            .mode(write.mode())
            .option("userMetadata", toJson(commitInfo));
    if (write.clusterBy() != null) {
      writer = writer.option("maxRecordsPerFile", write.clusterFileRows());
    }
    if (write.replaceWhere() != null) {
      writer = writer.option("replaceWhere", write.replaceWhere());
    }
    if (write.mode() == SaveMode.Overwrite && write.replaceWhere() == null) {
      writer = writer.option("overwriteSchema", "true");
    }
    if (mergeSchema) {
      writer = writer.option("mergeSchema", "true");
    }
    if (!write.statsOn().isEmpty() && !exists(table)) { // Delta keeps a new table's delta.* options as its properties
      writer = writer.option(STATS_COLUMNS, String.join(",", write.statsOn()));
    }
    if (!write.partitionBy().isEmpty()) {
      writer = writer.partitionBy(write.partitionBy().toArray(new String[0]));
    }
    if (write.txnAppId() != null) {
      writer = writer.option("txnAppId", write.txnAppId()).option("txnVersion", write.txnVersion());
    }
    var w = writer;
    long before = write.replaceWhere() == null ? -1 : versionOrMissing(table);
    commitWithRetry(() -> w.save(path(table)), table, write.mode() == SaveMode.Append);
    long after = latestVersion(table);
    if (write.replaceWhere() != null && after == before) {
      // Delta commits nothing for a replaceWhere that matched no row and wrote none; the lineage of
      // what was computed (e.g. "up to date with silver vN") still needs a version to say it.
      commitWithRetry(() -> commitNothing(table, commitInfo), table, true);
      after = latestVersion(table);
    }
    return after;
  }

  /**
   * Creates {@code table} from {@code data} documented, in one commit (history: CREATE TABLE AS
   * SELECT): the doc's description as the table comment, its {@code lakeml.*} properties and its
   * column comments. A path-based write cannot set a comment or such properties, so a created table
   * used to take a second, metadata-only commit for its docs (21 of them in a first run).
   */
  private void createDocumented(Dataset<Row> data, TableId table, Write write, Map<String, ?> commitInfo, dev.lakeml.catalog.TableDoc doc) {
    var writer = clustered(withColumnComments(data, doc), write).writeTo("delta.`" + path(table).replace("`", "``") + "`").using("delta");
    if (write.clusterBy() != null) {
      writer = writer.option("maxRecordsPerFile", String.valueOf(write.clusterFileRows()));
    }
    for (Map.Entry<String, String> p : newTableProperties(Optional.of(doc), write).entrySet()) {
      writer = writer.tableProperty(p.getKey(), p.getValue());
    }
    if (doc.description() != null) {
      writer = writer.tableProperty("comment", doc.description());
    }
    if (write.txnAppId() != null) { // Delta's idempotent write: the transaction id goes into the same commit
      writer = writer.option("txnAppId", write.txnAppId()).option("txnVersion", write.txnVersion());
    }
    List<String> partitionBy = write.partitionBy();
    if (!partitionBy.isEmpty()) {
      List<org.apache.spark.sql.Column> rest = partitionBy.stream().skip(1).map(org.apache.spark.sql.functions::col).toList();
      writer = writer.partitionedBy(org.apache.spark.sql.functions.col(partitionBy.get(0)), scala.collection.JavaConverters.asScalaBuffer(rest).toSeq());
    }
    var w = writer;
    withUserMetadata(commitInfo, () -> {
      try {
        w.create();
      } catch (org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException e) { // another writer created it meanwhile
        throw new LakemlException("Table " + table + " at " + path(table) + " was created by another writer while this command created it; run the command again.", e);
      }
    });
  }

  /**
   * Whether {@code table}'s folder exists though the table does not: a process killed inside the
   * table's first commit leaves its data files (and maybe an empty {@code _delta_log}). Spark's
   * {@code CREATE TABLE AS SELECT} refuses such a location as an existing table, so that table is
   * created by a path-based write, which writes over the leftovers, and documented after it.
   */
  private boolean leftoversAt(TableId table) {
    Path dir = new Path(path(table));
    try {
      return dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(dir);
    } catch (IOException e) {
      throw new LakemlException("Cannot check the folder of table " + table + " at " + dir + ": " + e.getMessage(), e);
    }
  }

  /** {@code data} with the doc's column comments in its schema (where Delta keeps them: DESCRIBE shows them). */
  private static Dataset<Row> withColumnComments(Dataset<Row> data, dev.lakeml.catalog.TableDoc doc) {
    org.apache.spark.sql.types.StructField[] fields = doc.commented(data.schema()).fields();
    org.apache.spark.sql.Column[] columns = new org.apache.spark.sql.Column[fields.length];
    for (int i = 0; i < fields.length; i++) {
      columns[i] = data.col("`" + fields[i].name().replace("`", "``") + "`").as(fields[i].name(), fields[i].metadata());
    }
    return data.select(columns);
  }

  /** A commit with no action but its commitInfo, whose userMetadata is {@code commitInfo} (history: "Manual Update"). */
  private void commitNothing(TableId table, Map<String, ?> commitInfo) {
    withUserMetadata(
        commitInfo,
        () ->
            org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table))
                .startTransaction()
                .commit(
                    scala.collection.JavaConverters.asScalaBuffer(List.<org.apache.spark.sql.delta.actions.Action>of()).toSeq(),
                    org.apache.spark.sql.delta.DeltaOperations.ManualUpdate$.MODULE$));
  }

  /** Runs {@code commit} with {@code commitInfo} as the userMetadata of the Delta commits it makes (the session setting Delta reads). */
  private void withUserMetadata(Map<String, ?> commitInfo, Runnable commit) {
    String conf = "spark.databricks.delta.commitInfo.userMetadata";
    scala.Option<String> before = spark.conf().getOption(conf);
    spark.conf().set(conf, toJson(commitInfo));
    try {
      commit.run();
    } finally {
      if (before.isDefined()) { // e.g. a user's own setting
        spark.conf().set(conf, before.get());
      } else {
        spark.conf().unset(conf);
      }
    }
  }

  /**
   * One Delta MERGE of {@code changes} into {@code table}, matched on {@code on} (target alias
   * {@code t}, source alias {@code s}): a matched row is replaced by its change when {@code keep}
   * (a condition on columns only {@code s} has) holds and deleted when it does not; an unmatched change is inserted
   * when {@code keep} holds. Every column of the table is taken from the change by name; the
   * lineage in {@code commitInfo} is the commit's userMetadata. Applying the same changes twice
   * gives the same rows, so a rerun after a crash never duplicates. Returns the version written.
   *
   * <p>When no change applies (none is kept, and none of the rows to delete is in the table: a day
   * of valid records against a quarantine table that holds none of their keys), the MERGE is not
   * run and the table's current version is returned. Delta would commit nothing either, but only
   * after its MERGE's jobs (materializing the changes, scanning the table for matches, writing no
   * file): about a second at 3M rows, against two small jobs for these checks.
   */
  public long upsertOrDelete(Dataset<Row> changes, TableId table, String on, String keep, Map<String, ?> commitInfo) {
    requireExists(table);
    if (changes.filter(keep).isEmpty()
        && changes.filter("NOT (" + keep + ")").as("s").join(read(table).as("t"), org.apache.spark.sql.functions.expr(on), "left_semi").isEmpty()) {
      return latestVersion(table);
    }
    Map<String, String> set = new java.util.LinkedHashMap<>();
    for (String c : read(table).columns()) {
      set.put("`" + c + "`", "s.`" + c + "`");
    }
    commitWithRetry(
        () ->
            withUserMetadata(
                commitInfo,
                () ->
                    DeltaTable.forPath(spark, path(table))
                        .as("t")
                        .merge(changes.as("s"), on)
                        .whenMatched("NOT (" + keep + ")")
                        .delete()
                        .whenMatched()
                        .updateExpr(set)
                        .whenNotMatched(keep)
                        .insertExpr(set)
                        .execute()),
        table,
        false);
    return latestVersion(table);
  }

  /**
   * The rows of {@code files} (paths from {@link #filesAppended}, {@link #filesTouched}) with the table's current schema:
   * only those files are read, not the whole table.
   */
  public Dataset<Row> readFiles(TableId table, List<String> files) {
    org.apache.spark.sql.types.StructType schema = read(table).schema();
    if (files.isEmpty()) {
      return spark.createDataFrame(List.of(), schema);
    }
    Path base = new Path(path(table));
    String[] paths = new String[files.size()];
    for (int i = 0; i < paths.length; i++) {
      Path p = new Path(java.net.URI.create(files.get(i))); // as Delta resolves an AddFile's path
      paths[i] = (p.isAbsolute() ? p : new Path(base, p)).toString();
    }
    return spark.read().schema(schema).parquet(paths);
  }

  /**
   * The data files committed to {@code table} after version {@code after} up to {@code upTo}, when
   * every commit between only appended (blind appends and metadata changes such as docs); empty
   * when a commit removed or rewrote files (an overwrite, DELETE, OPTIMIZE), so the caller must
   * read the whole version instead; empty too for a partitioned table or one with column mapping.
   * Paths relative to the table's folder, as in the log; {@link #readFiles} reads them.
   */
  public Optional<List<String>> filesAppended(TableId table, long after, long upTo) {
    return filesChanged(table, after, upTo, true).map(FilesChanged::added);
  }

  /** The data files commits added and removed, as paths in the log (see {@link #filesTouched}). */
  public record FilesChanged(List<String> added, List<String> removed) {}

  /**
   * The data files that the commits after {@code after} up to {@code upTo} added and removed,
   * whatever the operation (MERGE, DELETE, overwrite, OPTIMIZE): the rows of the removed files not in
   * the added ones are the rows gone, and the other way round the rows new (a rewritten file holds
   * the rows that did not change on both sides). Removed files are read from the table's folder, so
   * a caller must be ready for one that VACUUM has since deleted. Empty for a gap in the log,
   * deletion vectors (a file's rows are then not its table rows), a partitioned table or one with
   * column mapping.
   */
  public Optional<FilesChanged> filesTouched(TableId table, long after, long upTo) {
    return filesChanged(table, after, upTo, false);
  }

  private Optional<FilesChanged> filesChanged(TableId table, long after, long upTo, boolean appendsOnly) {
    requireExists(table);
    java.util.LinkedHashSet<String> added = new java.util.LinkedHashSet<>();
    java.util.LinkedHashSet<String> removed = new java.util.LinkedHashSet<>();
    if (after >= upTo) {
      return Optional.of(new FilesChanged(List.of(), List.of()));
    }
    org.apache.spark.sql.delta.DeltaLog log = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table));
    org.apache.spark.sql.delta.actions.Metadata metadata = log.update(false, scala.Option.empty(), scala.Option.empty()).metadata();
    String mapping = metadata.configuration().get("delta.columnMapping.mode").getOrElse(() -> "none");
    if (!metadata.partitionColumns().isEmpty() || !"none".equals(mapping)) {
      return Optional.empty(); // readFiles reads the files as plain Parquet
    }
    boolean[] readable = {true};
    boolean whole =
        eachCommit(log, after, upTo, (version, actions) -> {
          for (org.apache.spark.sql.delta.actions.Action a : actions) {
            if (a instanceof org.apache.spark.sql.delta.actions.AddFile add) {
              if (add.deletionVector() != null || (appendsOnly && !add.dataChange())) {
                return readable[0] = false;
              }
              if (!removed.remove(add.path())) {
                added.add(add.path());
              }
            } else if (a instanceof org.apache.spark.sql.delta.actions.RemoveFile remove) {
              if (appendsOnly || remove.deletionVector() != null) {
                return readable[0] = false;
              }
              if (!added.remove(remove.path())) { // added, then removed in between: never in either version
                removed.add(remove.path());
              }
            }
          }
          return true;
        });
    return whole && readable[0] ? Optional.of(new FilesChanged(new ArrayList<>(added), new ArrayList<>(removed))) : Optional.empty();
  }

  /**
   * Replaces every row of {@code to} with version {@code version} of {@code from}, in one commit, by
   * copying that version's data files into {@code to}'s folder and committing them with the
   * statistics {@code from} keeps for them: what Delta's {@code DEEP CLONE} does, which open-source
   * Delta lacks. No file is read or written row by row, and {@code to} owns its copies (a
   * {@code VACUUM} of {@code from} cannot break it, as it would a shallow clone).
   *
   * <p>A missing {@code to} is created by the same commit, as {@code write} of the rows would create
   * it: the schema, the statistics columns of {@code write}, and the catalog's docs when this session
   * documents what it writes (history: CREATE TABLE AS SELECT).
   *
   * <p>Empty, with nothing committed, when the copies could not keep what a write of the rows would
   * keep or check: a different schema (column comments aside); partitions; column metadata other than
   * comments (column mapping, generated or identity columns, defaults, CHAR/VARCHAR, invariants); CHECK
   * constraints on {@code to}; row tracking; deletion vectors; a file without statistics; other
   * statistics settings; the leftovers of a killed first commit in {@code to}'s folder; for a table
   * to create, a {@code write} that partitions, is idempotent or replaces a condition, or a column
   * that is not nullable (a write creates every column nullable). The caller then writes the rows.
   */
  public Optional<Long> copyVersion(TableId from, long version, TableId to, Write write, Map<String, ?> commitInfo) {
    boolean create = !exists(to);
    if (create && (leftoversAt(to) || !write.partitionBy().isEmpty() || write.txnAppId() != null || write.replaceWhere() != null)) {
      return Optional.empty(); // the write creates a table over leftovers, and with what a copy's metadata does not set
    }
    var source = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(from)).getSnapshotAt(version, scala.Option.empty(), scala.Option.empty());
    var target = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(to));
    var created = create ? newTableMetadata(source.metadata(), to, write) : null;
    if (!copyable(source.metadata(), create ? asCommitted(target, created) : target.update(false, scala.Option.empty(), scala.Option.empty()).metadata())
        || create && !allNullable(source.metadata().schema())) { // a write creates every column nullable
      return Optional.empty();
    }
    List<org.apache.spark.sql.delta.actions.AddFile> files = source.allFiles().collectAsList();
    if (files.stream().anyMatch(f -> f.deletionVector() != null || f.stats() == null || f.numLogicalRecords().isEmpty())) {
      return Optional.empty();
    }
    // The bytes are copied before the table's commit lock is taken; the layout is checked again on
    // the snapshot the commit starts from, so a change committed meanwhile is seen.
    List<org.apache.spark.sql.delta.actions.AddFile> copies = copyFiles(files, path(from), target);
    List<Optional<Long>> committed = new ArrayList<>();
    try {
      commitWithRetry(() -> {
        var txn = target.startTransaction();
        boolean creates = txn.readVersion() < 0;
        if (creates) { // the table's first commit: its protocol (from this session's defaults) and metadata with the files
          txn.updateMetadataForNewTable(created != null ? created : newTableMetadata(source.metadata(), to, write));
        }
        if (copyable(source.metadata(), txn.metadata())) {
          committed.add(Optional.of(commitCopies(txn, copies, commitInfo, creates)));
        } else if (creates) { // checked above on the same metadata: only a session setting changed meanwhile gets here
          throw new LakemlException("Cannot create " + to + " as a copy of " + from + " version " + version
              + ": this session's Delta table defaults changed while its files were copied. Nothing was committed; run the command again.");
        } else {
          committed.add(Optional.empty());
        }
      }, to, false);
    } catch (RuntimeException e) {
      discard(copies, target, create);
      throw e;
    }
    if (committed.get(0).isEmpty()) {
      discard(copies, target, create);
    }
    return committed.get(0);
  }

  /** {@code created} as a new table's first commit holds it: with this session's Delta table defaults ({@code spark.databricks.delta.properties.defaults.*}) merged in. */
  private static org.apache.spark.sql.delta.actions.Metadata asCommitted(org.apache.spark.sql.delta.DeltaLog target, org.apache.spark.sql.delta.actions.Metadata created) {
    var probe = target.startTransaction(); // never committed
    probe.updateMetadataForNewTable(created);
    return probe.metadata();
  }

  private static boolean allNullable(org.apache.spark.sql.types.StructType schema) {
    for (var f : schema.fields()) {
      if (!f.nullable() || f.dataType() instanceof org.apache.spark.sql.types.StructType s && !allNullable(s)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Deletes copies no commit took, and, when the copy was to create the table, its folder if nothing
   * else is in it: so that the next attempt does not take it for a killed first commit's leftovers.
   */
  private void discard(List<org.apache.spark.sql.delta.actions.AddFile> copies, org.apache.spark.sql.delta.DeltaLog target, boolean create) {
    deleteQuietly(copies, target);
    if (!create) {
      return;
    }
    try {
      Path dir = new Path(target.dataPath().toString());
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path log = new Path(dir, "_delta_log");
      if (fs.exists(log) && fs.listStatus(log).length == 0) {
        fs.delete(log, false);
      }
      if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
        fs.delete(dir, false);
      }
    } catch (IOException | RuntimeException e) {
      // left as it is: the next write creates the table over it
    }
  }

  /**
   * The metadata a documented write ({@link #createDocumented}) or a path-based one would give a new
   * table {@code table} of {@code from}'s rows: {@code from}'s schema with the catalog's column
   * comments, the table comment and {@code lakeml.*} properties, {@code write}'s statistics columns.
   */
  private org.apache.spark.sql.delta.actions.Metadata newTableMetadata(org.apache.spark.sql.delta.actions.Metadata from, TableId table, Write write) {
    var doc = dev.lakeml.catalog.AnalystCatalog.docFor(this, table, from.schema());
    org.apache.spark.sql.types.StructType schema = doc.map(d -> d.commented(from.schema())).orElse(from.schema());
    Map<String, String> configuration = newTableProperties(doc, write);
    return new org.apache.spark.sql.delta.actions.Metadata(
        java.util.UUID.randomUUID().toString(),
        null,
        doc.map(dev.lakeml.catalog.TableDoc::description).orElse(null),
        new org.apache.spark.sql.delta.actions.Format("parquet", scalaMap(Map.of())),
        schema.json(),
        scala.collection.JavaConverters.asScalaBuffer(List.<String>of()).toSeq(),
        scalaMap(configuration),
        scala.Option.apply(System.currentTimeMillis()));
  }

  /**
   * The properties a table created by {@code write} gets, besides Delta's session defaults: the
   * catalog doc's {@code lakeml.*} properties, and the statistics columns. One list for both ways a
   * table is created: {@link #createDocumented} and a copy ({@link #copyVersion}).
   */
  private static Map<String, String> newTableProperties(Optional<dev.lakeml.catalog.TableDoc> doc, Write write) {
    Map<String, String> properties = new LinkedHashMap<>(doc.map(dev.lakeml.catalog.TableDoc::properties).orElse(Map.of()));
    if (!write.statsOn().isEmpty()) {
      properties.put(STATS_COLUMNS, String.join(",", write.statsOn()));
    }
    return properties;
  }

  /** {@code map} as the Scala map Delta's actions take (null values left out). */
  public static scala.collection.immutable.Map<String, String> scalaMap(Map<String, String> map) {
    scala.collection.immutable.Map<String, String> m = new scala.collection.immutable.HashMap<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(map).entrySet()) {
      if (e.getValue() != null) {
        m = m.updated(e.getKey(), e.getValue());
      }
    }
    return m;
  }

  private static final List<String> LAYOUT_PROPERTIES =
      List.of("delta.enableDeletionVectors", "delta.dataSkippingStatsColumns", "delta.dataSkippingNumIndexedCols");

  /** Whether files of a table with metadata {@code from} can be committed as they are to one with {@code to}. */
  private static boolean copyable(org.apache.spark.sql.delta.actions.Metadata from, org.apache.spark.sql.delta.actions.Metadata to) {
    if (!from.partitionColumns().isEmpty() || !to.partitionColumns().isEmpty() || !commentsOnly(from.schema()) || !commentsOnly(to.schema())
        || !withoutComments(from.schema()).equals(withoutComments(to.schema()))) {
      return false;
    }
    for (var m : List.of(from, to)) {
      if (!"none".equals(m.configuration().get("delta.columnMapping.mode").getOrElse(() -> "none"))
          || "true".equalsIgnoreCase(m.configuration().get("delta.enableRowTracking").getOrElse(() -> "false"))) {
        return false;
      }
    }
    if (scala.collection.JavaConverters.setAsJavaSet(to.configuration().keySet()).stream().anyMatch(k -> k.startsWith("delta.constraints."))) {
      return false; // a write checks them; a commit of files would not
    }
    for (String p : LAYOUT_PROPERTIES) {
      if (!from.configuration().get(p).equals(to.configuration().get(p))) {
        return false;
      }
    }
    return true;
  }

  /** Whether no column carries metadata but a comment (column mapping ids, generation, identity, defaults, CHAR/VARCHAR, invariants do). */
  private static boolean commentsOnly(org.apache.spark.sql.types.StructType schema) {
    for (var f : schema.fields()) {
      var rest = new org.apache.spark.sql.types.MetadataBuilder().withMetadata(f.metadata()).remove("comment").build();
      if (!rest.equals(org.apache.spark.sql.types.Metadata.empty()) || f.dataType() instanceof org.apache.spark.sql.types.StructType s && !commentsOnly(s)) {
        return false;
      }
    }
    return true;
  }

  private static org.apache.spark.sql.types.StructType withoutComments(org.apache.spark.sql.types.StructType schema) {
    var plain = new org.apache.spark.sql.types.StructType();
    for (var f : schema.fields()) {
      plain = plain.add(f.name(), f.dataType() instanceof org.apache.spark.sql.types.StructType s ? withoutComments(s) : f.dataType(), f.nullable());
    }
    return plain;
  }

  /** Copies {@code files} of the table at {@code fromPath} into {@code target}'s folder: the copies' AddFiles, with the originals' statistics. */
  private List<org.apache.spark.sql.delta.actions.AddFile> copyFiles(List<org.apache.spark.sql.delta.actions.AddFile> files, String fromPath, org.apache.spark.sql.delta.DeltaLog target) {
    var conf = spark.sparkContext().hadoopConfiguration();
    List<org.apache.spark.sql.delta.actions.AddFile> copies = new ArrayList<>();
    try {
      Path dir = new Path(target.dataPath().toString());
      FileSystem toFs = dir.getFileSystem(conf);
      for (org.apache.spark.sql.delta.actions.AddFile f : files) {
        Path src = new Path(new Path(fromPath), new Path(new java.net.URI(f.path())));
        String name = src.getName();
        Path dst = new Path(dir, "part-copy-" + java.util.UUID.randomUUID() + name.substring(Math.max(0, name.indexOf('.'))));
        if (!org.apache.hadoop.fs.FileUtil.copy(src.getFileSystem(conf), src, toFs, dst, false, false, conf)) {
          throw new IOException("the copy of " + src + " to " + dst + " failed");
        }
        var add = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(f.json()).get("add");
        add.put("path", new java.net.URI(null, null, dst.getName(), null).getRawPath());
        add.put("modificationTime", toFs.getFileStatus(dst).getModificationTime());
        add.put("dataChange", true);
        add.remove(List.of("tags", "baseRowId", "defaultRowCommitVersion", "clusteringProvider"));
        copies.add((org.apache.spark.sql.delta.actions.AddFile) org.apache.spark.sql.delta.actions.Action$.MODULE$.fromJson(JSON.writeValueAsString(JSON.createObjectNode().set("add", add))));
      }
      return copies;
    } catch (IOException | java.net.URISyntaxException e) {
      deleteQuietly(copies, target);
      throw new LakemlException("Cannot copy the data files of " + fromPath + " into " + target.dataPath() + ": " + e.getMessage()
          + ". Nothing was committed. Rerun the command; a copy this run left behind is an unreferenced file, which a VACUUM removes once it is older than the retention period.", e);
    }
  }

  private void deleteQuietly(List<org.apache.spark.sql.delta.actions.AddFile> copies, org.apache.spark.sql.delta.DeltaLog target) {
    for (org.apache.spark.sql.delta.actions.AddFile c : copies) {
      try {
        Path p = new Path(target.dataPath().toString(), c.path());
        p.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(p, false);
      } catch (IOException | RuntimeException e) {
        // an unreferenced file: VACUUM removes it
      }
    }
  }

  /**
   * Commits {@code copies} in place of every file of the transaction's table, as a WRITE with its
   * metrics, or, when the commit {@code creates} the table, as a CREATE TABLE AS SELECT.
   */
  private long commitCopies(org.apache.spark.sql.delta.OptimisticTransaction txn, List<org.apache.spark.sql.delta.actions.AddFile> copies, Map<String, ?> commitInfo, boolean creates) {
    List<org.apache.spark.sql.delta.actions.Action> actions = new ArrayList<>();
    for (org.apache.spark.sql.delta.actions.AddFile f : scala.collection.JavaConverters.seqAsJavaList(txn.filterFiles())) {
      actions.add(f.remove());
    }
    long rows = 0, bytes = 0;
    for (org.apache.spark.sql.delta.actions.AddFile c : copies) {
      rows += ((Number) c.numLogicalRecords().get()).longValue();
      bytes += c.size();
      actions.add(c);
    }
    // The operationMetrics DESCRIBE HISTORY shows for a WRITE (Delta keeps these three for it).
    Map<String, Long> metrics = Map.of("numFiles", (long) copies.size(), "numOutputRows", rows, "numOutputBytes", bytes);
    scala.collection.immutable.Map<String, org.apache.spark.sql.execution.metric.SQLMetric> sql = new scala.collection.immutable.HashMap<>();
    for (Map.Entry<String, Long> e : metrics.entrySet()) {
      var m = org.apache.spark.sql.execution.metric.SQLMetrics.createMetric(spark.sparkContext(), e.getKey());
      m.set(e.getValue());
      sql = sql.$plus(new scala.Tuple2<>(e.getKey(), m));
    }
    txn.registerSQLMetrics(spark, sql);
    org.apache.spark.sql.delta.DeltaOperations.Operation op =
        creates
            ? new org.apache.spark.sql.delta.DeltaOperations.CreateTable(txn.metadata(), false, true, scala.Option.empty())
            : new org.apache.spark.sql.delta.DeltaOperations.Write(SaveMode.Overwrite, scala.Option.empty(), scala.Option.empty(), scala.Option.empty());
    long[] v = {-1};
    // The lineage is the commit's userMetadata, a CREATE's as a WRITE's (the session setting Delta reads for both).
    withUserMetadata(commitInfo, () -> v[0] = txn.commit(scala.collection.JavaConverters.asScalaBuffer(actions).toSeq(), op));
    return v[0];
  }

  /** The commit of an idempotent write ({@link Write#idempotent}) and the rows it added (-1 when its metrics do not say). */
  public record IdempotentCommit(long version, long rowsAdded) {}

  /**
   * The commit after version {@code after} of {@code table} that holds Delta's transaction record
   * {@code (appId, txnVersion)}: Delta's own record of which commit an idempotent write made, whatever
   * commits (e.g. a docs commit) came after it. Empty when no commit after {@code after} holds it:
   * Delta skipped the write as already committed, or the log after {@code after} was cleaned up.
   */
  public Optional<IdempotentCommit> idempotentCommit(TableId table, String appId, long txnVersion, long after) {
    requireExists(table);
    IdempotentCommit[] found = {null};
    eachCommit(org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table)), after, latestVersion(table), (version, actions) -> {
      boolean ours = false;
      long rows = -1;
      for (org.apache.spark.sql.delta.actions.Action a : actions) {
        if (a instanceof org.apache.spark.sql.delta.actions.SetTransaction t) {
          ours |= t.appId().equals(appId) && t.version() == txnVersion;
        } else if (a instanceof org.apache.spark.sql.delta.actions.CommitInfo ci && ci.operationMetrics().isDefined()) {
          rows = ci.operationMetrics().get().get("numOutputRows").map(Long::parseLong).getOrElse(() -> -1L);
        }
      }
      if (ours) {
        found[0] = new IdempotentCommit(version, rows);
      }
      return !ours;
    });
    return Optional.ofNullable(found[0]);
  }

  /**
   * The newest transaction version Delta recorded for idempotent writer {@code appId} in
   * {@code table}'s current snapshot, or -1 when none.
   */
  public long txnVersion(TableId table, String appId) {
    requireExists(table);
    Object v = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table)).update(false, scala.Option.empty(), scala.Option.empty())
        .transactions().get(appId).getOrElse(() -> -1L);
    return ((Number) v).longValue();
  }

  /** One commit as {@link #commitsAfter} reads it: whether it changed rows, its lineage, when it was made. */
  public record Commit(long version, boolean dataChange, Map<String, Object> info, java.time.Instant at) {}

  /**
   * The commits {@code after + 1 .. upTo} of {@code table}, oldest first, read from the log's commit
   * files: a commit changes rows when it adds or removes a data file with {@code dataChange} (an
   * OPTIMIZE, a docs commit or a VACUUM does not). Empty when the log cannot tell (a gap, e.g.
   * cleaned-up commit files).
   */
  public Optional<List<Commit>> commitsAfter(TableId table, long after, long upTo) {
    requireExists(table);
    List<Commit> out = new ArrayList<>();
    boolean whole =
        eachCommit(org.apache.spark.sql.delta.DeltaLog.forTable(spark, path(table)), after, upTo, (version, actions) -> {
          boolean dataChange = false;
          Map<String, Object> info = new LinkedHashMap<>();
          java.time.Instant at = null;
          for (org.apache.spark.sql.delta.actions.Action a : actions) {
            if (a instanceof org.apache.spark.sql.delta.actions.FileAction f) {
              dataChange |= f.dataChange();
            } else if (a instanceof org.apache.spark.sql.delta.actions.CommitInfo ci) {
              String meta = ci.userMetadata().isDefined() ? ci.userMetadata().get() : null;
              info = meta == null || meta.isBlank() ? new LinkedHashMap<>() : fromJson(meta);
              at = ci.timestamp() == null ? null : ci.timestamp().toInstant();
            }
          }
          out.add(new Commit(version, dataChange, info, at));
          return true;
        });
    return whole ? Optional.of(out) : Optional.empty();
  }

  /**
   * Hands each commit {@code after + 1 .. upTo} to {@code visit}, oldest first, until it returns
   * false; false then, and on a gap in the log.
   */
  private static boolean eachCommit(
      org.apache.spark.sql.delta.DeltaLog log, long after, long upTo, java.util.function.BiPredicate<Long, List<org.apache.spark.sql.delta.actions.Action>> visit) {
    if (after >= upTo) {
      return true;
    }
    scala.collection.Iterator<scala.Tuple2<Object, scala.collection.Seq<org.apache.spark.sql.delta.actions.Action>>> changes =
        log.getChanges(after + 1, false);
    long seen = after;
    while (changes.hasNext()) {
      scala.Tuple2<Object, scala.collection.Seq<org.apache.spark.sql.delta.actions.Action>> c = changes.next();
      long version = (Long) c._1();
      if (version > upTo) {
        break;
      }
      if (version != seen + 1) {
        return false; // a gap in the log (cleaned up): cannot tell what changed
      }
      seen = version;
      if (!visit.test(version, scala.collection.JavaConverters.seqAsJavaList(c._2()))) {
        return false;
      }
    }
    return seen == upTo;
  }

  /** Conflicting commits by another writer: how often a blind append is tried again. */
  static final int CONFLICT_RETRIES = 3;

  /**
   * Saves under the table's commit lock (local roots, see {@link CommitLock}). A Delta conflict
   * (another writer committed meanwhile) is retried for appends, which read nothing and so cannot
   * be invalidated; an overwrite or replace computed from an older snapshot is never retried but
   * explained: nothing of it was committed.
   */
  private void commitWithRetry(Runnable save, TableId table, boolean append) {
    for (int attempt = 1; ; attempt++) {
      try (CommitLock lock = CommitLock.acquire(root, table)) {
        save.run();
        register(table);
        return;
      } catch (io.delta.exceptions.DeltaConcurrentModificationException e) {
        if (!append || attempt > CONFLICT_RETRIES) {
          throw Errors.commitConflict(table.toString(), append ? attempt : 0, e.getClass().getSimpleName(), firstLine(e));
        }
      }
    }
  }

  /**
   * Adds the columns of {@code wanted} that {@code table} lacks (nullable, at the end), so a table
   * created by an older lakeml keeps taking appends after a ledger grew a column. No-op when absent.
   */
  public void addMissingColumns(TableId table, org.apache.spark.sql.types.StructType wanted) {
    if (!exists(table)) {
      return;
    }
    List<String> have = List.of(read(table).columns());
    List<String> add = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : wanted.fields()) {
      if (!have.contains(f.name())) {
        add.add("`" + f.name() + "` " + f.dataType().sql());
      }
    }
    if (!add.isEmpty()) {
      spark.sql("ALTER TABLE delta.`" + path(table) + "` ADD COLUMNS (" + String.join(", ", add) + ")");
    }
  }

  /** How a commit changes the table. */
  public record Write(
      SaveMode mode, String replaceWhere, List<String> partitionBy, String txnAppId, long txnVersion, String clusterBy, long clusterFileRows, List<String> statsOn) {
    public static Write append() {
      return new Write(SaveMode.Append, null, List.of(), null, -1, null, 0, List.of());
    }

    public static Write overwrite() {
      return new Write(SaveMode.Overwrite, null, List.of(), null, -1, null, 0, List.of());
    }

    /**
     * Atomically replaces the rows matching {@code predicate}: a rerun replaces, never duplicates. Always
     * makes a version, with the write's commitInfo, even when no row matched and none was written.
     */
    public static Write replace(String predicate) {
      return new Write(SaveMode.Overwrite, predicate, List.of(), null, -1, null, 0, List.of());
    }

    public Write partitionedBy(String... columns) {
      return new Write(mode, replaceWhere, List.of(columns), txnAppId, txnVersion, clusterBy, clusterFileRows, statsOn);
    }

    /** Delta idempotent write: skipped when (appId, version) was already committed. */
    public Write idempotent(String appId, long version) {
      return new Write(mode, replaceWhere, partitionBy, appId, version, clusterBy, clusterFileRows, statsOn);
    }

    /**
     * Files clustered by {@code column} (null: as the rows come): each write task sorts its rows by
     * it and starts a new file every {@link #CLUSTER_FILE_ROWS} rows, so each file holds a narrow
     * range of the column. Delta's file statistics (min and max per file) then let a read of a
     * range skip the other files, and a {@code replaceWhere} on a range rewrites only the files that
     * overlap it. No shuffle: the rows stay in the tasks they come in.
     */
    public Write clusteredBy(String column) {
      return clusteredBy(column, CLUSTER_FILE_ROWS);
    }

    /** {@link #clusteredBy(String)} with at most {@code rowsPerFile} rows in a file. */
    public Write clusteredBy(String column, long rowsPerFile) {
      return new Write(mode, replaceWhere, partitionBy, txnAppId, txnVersion, column, rowsPerFile, statsOn);
    }

    /**
     * A table this write creates keeps Delta's file statistics (min, max, null count per file) for
     * {@code columns} only ({@code delta.dataSkippingStatsColumns}): the columns reads filter on.
     * Delta's default is every one of the first 32 columns, computed row by row as the files are
     * written; for a raw JSON record or a hash nobody filters by range, that is cost without use.
     * Ignored when the table exists: its property stays as it is. A column named twice counts once.
     */
    public Write statsOn(List<String> columns) {
      return new Write(mode, replaceWhere, partitionBy, txnAppId, txnVersion, clusterBy, clusterFileRows, columns.stream().distinct().toList());
    }
  }

  /** The table property naming the columns Delta keeps file statistics for ({@link Write#statsOn}). */
  public static final String STATS_COLUMNS = "delta.dataSkippingStatsColumns";

  /** The most rows in one file of a clustered write ({@link Write#clusteredBy}): ~6 MB of a feature table's rows. */
  public static final long CLUSTER_FILE_ROWS = 250_000;

  /** {@code data} sorted by the write's clustering column within each task, or as it is. */
  private static Dataset<Row> clustered(Dataset<Row> data, Write write) {
    return write.clusterBy() == null ? data : data.sortWithinPartitions(write.clusterBy());
  }

  /**
   * The lineage map of the newest commit of {@code table} written by lakeml with {@code key} in its
   * userMetadata, if any. This is how a job finds the checkpoint it committed with its data.
   */
  public Optional<Map<String, Object>> lastCommitInfo(TableId table, String key) {
    return lastCommitInfo(table, key, info -> true);
  }

  /** {@link #lastCommitInfo(TableId, String)} among the commits whose lineage also passes {@code which}. */
  public Optional<Map<String, Object>> lastCommitInfo(TableId table, String key, java.util.function.Predicate<Map<String, Object>> which) {
    return newestCommitInfo(table, LOOKBACK, info -> info.containsKey(key) && which.test(info));
  }

  /**
   * The lineage map (with its {@code _version}) of the newest of {@code table}'s last {@code limit}
   * commits that passes {@code which}; a commit without userMetadata is offered as a map holding only
   * {@code _version}. Reads commit files, newest first, and stops at the first that passes.
   */
  public Optional<Map<String, Object>> newestCommitInfo(TableId table, int limit, java.util.function.Predicate<Map<String, Object>> which) {
    if (!exists(table)) {
      return Optional.empty();
    }
    return commitInfoAtOrBefore(table, Long.MAX_VALUE, limit, which);
  }

  /**
   * The newest version of {@code table} that run {@code runId} committed (the {@code run_id} of its
   * lineage), or -1 when none did. Reads the newest commit files first, where a run's commits
   * usually are; only a table with more than {@link #LOOKBACK} commits is searched further, by one
   * Spark job over its history.
   */
  public long versionWrittenBy(TableId table, String runId) {
    return versionWrittenBy(table, runId, LOOKBACK);
  }

  /** {@link #versionWrittenBy(TableId, String)} reading the newest {@code lookback} commit files first. */
  long versionWrittenBy(TableId table, String runId, int lookback) {
    if (!exists(table)) {
      return -1;
    }
    var recent = newestCommitInfo(table, lookback, info -> runId.equals(info.get("run_id")));
    if (recent.isPresent()) {
      return ((Number) recent.get().get("_version")).longValue();
    }
    long[] versions = logVersions(table);
    if (versions[1] - versions[0] < lookback) {
      return -1; // every commit was read
    }
    long found = -1;
    for (Row h : history(table).filter(org.apache.spark.sql.functions.col("userMetadata").contains("\"" + runId + "\"")).select("version", "userMetadata").collectAsList()) {
      if (runId.equals(fromJson(h.getString(1)).get("run_id"))) { // userMetadata that is not lakeml's lineage reads as empty
        found = Math.max(found, h.getLong(0));
      }
    }
    return found;
  }

  /** {@link #newestCommitInfo} among the commits at or before {@code version}. */
  private Optional<Map<String, Object>> commitInfoAtOrBefore(TableId table, long version, long limit, java.util.function.Predicate<Map<String, Object>> which) {
    long[] versions = logVersions(table);
    long newest = Math.min(version, versions[1]);
    for (long v = newest; v >= Math.max(versions[0], newest - limit + 1); v--) {
      String meta = userMetadata(table, v);
      Map<String, Object> info = meta == null || meta.isBlank() ? new LinkedHashMap<>() : fromJson(meta);
      info.put("_version", v);
      if (which.test(info)) {
        return Optional.of(info);
      }
    }
    return Optional.empty();
  }

  /**
   * For an append-only ops table whose appends say in their userMetadata what they hold (under
   * {@code marker}): true when one of its newest appends since it was last rewritten passes
   * {@code says}. False when the log cannot tell: the newest commit that is not such an append (a
   * retention rewrite, anyone's overwrite or delete) may have dropped rows, and so may be the case
   * beyond {@link #LOOKBACK} commits; the caller then asks the rows. A few small file reads instead
   * of a Spark job over the table, for checks every stage makes.
   */
  public boolean appendsSay(TableId table, String marker, java.util.function.Predicate<Map<String, Object>> says) {
    return newestCommitInfo(table, LOOKBACK, info -> !info.containsKey(marker) || says.test(info)).map(info -> info.containsKey(marker)).orElse(false);
  }

  /** How many of a table's newest commits {@link #lastCommitInfo} and {@link #appendsSay} read. */
  public static final int LOOKBACK = 50;

  /**
   * The userMetadata of commit {@code version}, read from its commit file (a few KB) rather than by
   * a Spark job over the history; null when the commit has none, or when its file is gone (log
   * cleanup removed it since the folder was listed: DESCRIBE HISTORY would not list it either).
   */
  private String userMetadata(TableId table, long version) {
    Path commit = new Path(new Path(path(table), "_delta_log"), String.format("%020d.json", version));
    try (var in = new java.io.BufferedReader(
        new java.io.InputStreamReader(commit.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(commit), java.nio.charset.StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("{\"commitInfo\"")) {
          var info = JSON.readTree(line).path("commitInfo").path("userMetadata");
          return info.isTextual() ? info.asText() : null;
        }
      }
      return null;
    } catch (java.io.FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new LakemlException("Cannot read commit " + version + " of table " + table + " at " + commit + ": " + e.getMessage(), e);
    }
  }

  /**
   * The lineage of the newest lakeml data commit of {@code table} at or before {@code version}:
   * commits that only set table properties or comments (the catalog's documentation) carry none and
   * change no rows, so the version a reader pinned may be one of those. Reads commit files, newest
   * first, as {@link #lastCommitInfo} does.
   */
  public Map<String, Object> lineageAtOrBefore(TableId table, long version) {
    requireExists(table);
    return commitInfoAtOrBefore(table, version, Long.MAX_VALUE, info -> info.containsKey("source_version") || info.containsKey("run_id"))
        .map(info -> {
          info.remove("_version");
          return info;
        })
        .orElse(Map.of());
  }

  /** Creates the layer databases and registers every Delta table under the root, by name. */
  public List<TableId> registerAll() {
    for (Layer layer : Layer.values()) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + layer.dbName());
    }
    List<TableId> found = tables();
    found.forEach(this::register);
    return found;
  }

  /** Every Delta table under the root, layer by layer, without registering them. */
  public List<TableId> tables() {
    List<TableId> found = new ArrayList<>();
    for (Layer layer : Layer.values()) {
      for (String name : listTables(layer)) {
        found.add(TableId.of(layer, name));
      }
    }
    return found;
  }

  public void register(TableId table) {
    spark.sql("CREATE DATABASE IF NOT EXISTS " + table.layer().dbName());
    if (!spark.catalog().tableExists(table.toString())) {
      spark.sql("CREATE TABLE IF NOT EXISTS " + table + " USING delta LOCATION '" + path(table).replace("'", "\\'") + "'");
    }
    dev.lakeml.catalog.AnalystCatalog.documentAfterWrite(this, table); // catalog docs (issue 7); no-op until the launcher published them
  }

  private List<String> listTables(Layer layer) {
    List<String> names = new ArrayList<>();
    try {
      Path dir = new Path(root + "/" + layer.dbName());
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        return names;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        // A process killed inside a table's first commit leaves a _delta_log with no commit: not a table yet.
        if (s.isDirectory() && name.matches("[a-z_][a-z0-9_]*") && DeltaTable.isDeltaTable(spark, s.getPath().toString())) {
          names.add(name);
        }
      }
    } catch (IOException e) {
      throw new LakemlException("Cannot list tables under " + root + ": " + e.getMessage(), e);
    }
    names.sort(String::compareTo);
    return names;
  }

  private void requireExists(TableId table) {
    if (!exists(table)) {
      throw Errors.tableMissing(table.toString(), root);
    }
  }

  static String toJson(Map<String, ?> map) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(map));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> fromJson(String json) {
    try {
      Map<String, Object> map = JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
      return map == null ? new TreeMap<>() : map; // userMetadata "null"
    } catch (JsonProcessingException e) {
      return new TreeMap<>();
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
