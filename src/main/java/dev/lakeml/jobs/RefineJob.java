package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.quality.QualityGate;
import dev.lakeml.quality.TableProfiles;
import dev.lakeml.refine.Refiner;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Bronze to silver, plus the dimension tables the silver lookups need. Silver is computed from a
 * pinned bronze version, deterministically; the bronze version it came from is committed with it
 * and a rerun on the same bronze version is skipped. When bronze has only grown by appends since,
 * the appended records are merged in ({@link #refineIncrement}), giving the rows a recompute would.
 */
public final class RefineJob implements Job {
  @Override
  public String name() {
    return "refine";
  }

  @Override
  public String usage() {
    return "refine                  bronze -> silver: typed, de-duplicated, checked; rejects to quarantine";
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    StringBuilder summary = new StringBuilder();
    for (PipelineSpec.Refined d : ctx.spec().dimensions()) {
      refineDimension(ctx, d, dims, written, rows, summary);
    }
    PipelineSpec.Refined spec = ctx.spec().silver();
    TableId silver = ctx.silver(spec.table());
    long bronzeVersion = ctx.lakehouse().latestVersion(ctx.bronze());
    String specHash = JobContext.hash(spec);
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", ctx.runId());
    lineage.put("source_table", ctx.bronze().toString());
    lineage.put("source_version", bronzeVersion);
    lineage.put("spec_hash", specHash);
    dims.forEach((k, v) -> lineage.put("dimension." + k, ctx.lakehouse().latestVersion(ctx.silver(k))));
    if (upToDateAndAudited(ctx, silver, lineage) && !ctx.flag("force")) {
      if (spec.profile()) {
        profileIfMissing(ctx, silver);
      }
      summary.append(silver).append(" up to date with ").append(ctx.bronze()).append(" v").append(bronzeVersion);
      return new StageResult(name(), written.isEmpty() ? StageResult.SKIPPED : StageResult.SUCCEEDED, secs(t0), written, rows, summary.toString());
    }
    Optional<String> merged = refineIncrement(ctx, spec, silver, bronzeVersion, lineage, dims, written, rows);
    if (merged.isPresent()) {
      double profiled = spec.profile() ? profile(ctx, silver, written.get(silver.toString())) : 0;
      summary.append(merged.get()).append(spec.profile() ? String.format("; profiled in %.1fs", profiled) : "");
      return new StageResult(name(), StageResult.SUCCEEDED, secs(t0), written, rows, summary.toString());
    }
    Dataset<Row> parsed = Refiner.parseBronze(ctx.lakehouse().read(ctx.bronze(), bronzeVersion), spec.recordSchema());
    Refiner.Output out = Refiner.refine(Refiner.prepare(parsed, spec), spec, dims);
    commit(ctx, silver, TableId.of(silver.layer(), spec.quarantineTable()), out, spec.expectations(), bronzeVersion, lineage, written, rows, statsLayout(out.valid(), spec.key()));
    long bronzeRows = ctx.lakehouse().read(ctx.bronze(), bronzeVersion).count();
    long quarantined = rows.get(TableId.of(silver.layer(), spec.quarantineTable()).toString());
    long duplicates = bronzeRows - rows.get(silver.toString()) - quarantined;
    double profiled = spec.profile() ? profile(ctx, silver, written.get(silver.toString())) : 0;
    if (spec.pivot() != null) {
      summary.append(
          String.format(
              "%,d bronze records pivoted by %s -> %,d in %s v%d, %,d quarantined",
              bronzeRows, spec.pivot().keys(), rows.get(silver.toString()), silver, written.get(silver.toString()), quarantined));
      return new StageResult(name(), StageResult.SUCCEEDED, secs(t0), written, rows, summary.toString());
    }
    summary.append(
        String.format(
            "%,d bronze records -> %,d in %s v%d, %,d quarantined, %,d re-pulled duplicates collapsed%s",
            bronzeRows, rows.get(silver.toString()), silver, written.get(silver.toString()), quarantined, duplicates, spec.profile() ? String.format("; profiled in %.1fs", profiled) : ""));
    return new StageResult(name(), StageResult.SUCCEEDED, secs(t0), written, rows, summary.toString());
  }

  /**
   * Brings silver from the bronze version it was computed from to {@code bronzeVersion} by the
   * records appended in between, instead of recomputing it: those records are parsed, each key's
   * newest copy is chosen against the row that holds the key now (as a full recompute's
   * de-duplication would), refined with the same lookups and rules, audited (dataset rules over
   * the table as it will be) and merged into silver and its quarantine table. Returns the summary,
   * or empty when silver must be recomputed whole: asked with {@code --force}, a pivoted table, no
   * audited silver yet, a changed spec or dimension (also since the last refine before a requeue),
   * or a bronze commit in between that was not a plain append.
   */
  Optional<String> refineIncrement(
      JobContext ctx, PipelineSpec.Refined spec, TableId silver, long bronzeVersion, Map<String, Object> lineage,
      Map<String, Dataset<Row>> dims, Map<String, Long> written, Map<String, Long> rows) {
    Lakehouse lh = ctx.lakehouse();
    TableId quarantine = TableId.of(silver.layer(), spec.quarantineTable());
    if (ctx.flag("force") || spec.pivot() != null || !lh.exists(silver) || !lh.exists(quarantine)) {
      return Optional.empty();
    }
    Optional<Map<String, Object>> last = lh.lastCommitInfo(silver, "source_version");
    // A requeue stamps the current spec and dimensions but re-checks only quarantined rows: the rows
    // already in silver are as the last refine computed them, so that refine's inputs must match.
    Optional<Map<String, Object>> refined = lh.lastCommitInfo(silver, "source_version", info -> !info.containsKey("requeued_from"));
    if (last.isEmpty() || !sameInputs(last.get(), lineage) || refined.isEmpty() || !sameInputs(refined.get(), lineage)) {
      return Optional.empty();
    }
    long from = ((Number) last.get().get("source_version")).longValue();
    long before = ((Number) last.get().get("_version")).longValue(); // silver's data version, as dataVersion()
    if (from >= bronzeVersion || !gate(ctx).ledger().recorded(silver, before)) {
      return Optional.empty();
    }
    Optional<List<String>> files = lh.filesAppended(ctx.bronze(), from, bronzeVersion);
    if (files.isEmpty()) {
      return Optional.empty();
    }
    Dataset<Row> added = lh.readFiles(ctx.bronze(), files.get());
    long latest = lh.latestVersion(silver);
    Dataset<Row> current = lh.read(silver, latest);
    // The merged rows prove a unique rule on the key only for the version the ledger judged: a
    // commit since that changed rows (an analyst's INSERT) sends the rule to the whole table.
    boolean judged = lh.commitsAfter(silver, before, latest).map(cs -> cs.stream().noneMatch(Lakehouse.Commit::dataChange)).orElse(false);
    // The increment is parsed once, and its keys looked up in table and quarantine once: the
    // winners' plan uses both several times.
    Dataset<Row> parsed = Refiner.parseBronze(added, spec.recordSchema()).persist();
    Dataset<Row> held = null;
    Dataset<Row> annotated = null;
    try {
      // Only silver's files whose keys (Delta's per-file min/max) overlap the increment's can hold
      // one of its keys: a pull of new keys above every held one (an API's growing ids) reads none.
      // The MERGE into silver prunes its target files by the same range.
      Row range = parsed.agg(functions.min(col(spec.key())), functions.max(col(spec.key()))).first();
      String key = "`" + spec.key() + "`";
      String between = range.isNullAt(0) ? null : " BETWEEN " + functions.lit(range.get(0)).expr().sql() + " AND " + functions.lit(range.get(1)).expr().sql();
      Dataset<Row> holders =
          current
              .filter(between == null ? "false" : key + between)
              .select(col(spec.key()).cast("string").as("_k"), col("_source_file"), col("_record_index"))
              .unionByName(
                  lh.read(quarantine, lh.latestVersion(quarantine))
                      .filter(col("record_key").isNotNull())
                      .select(col("record_key").as("_k"), col("source_file").as("_source_file"), col("record_index").as("_record_index")));
      held = Refiner.holdersOf(parsed, holders, spec.key()).persist();
      // Only the files of keys already held need their times. A day of new keys holds none: then
      // bronze's history is not read at all.
      Dataset<Row> fileTimes =
          lh.read(ctx.bronze(), bronzeVersion).select(col("source_file").as("_source_file"), col("file_modified_at").as("_file_modified_at"));
      fileTimes =
          held.count() == 0
              ? fileTimes.limit(0)
              : fileTimes.join(functions.broadcast(held.select("_source_file").distinct()), "_source_file").distinct();
      Dataset<Row> winners = Refiner.newWinners(parsed, held, fileTimes, spec.key());
      Refiner.Output out = Refiner.refine(winners, spec, dims);
      annotated = out.annotated().persist();
      Refiner.Changes changes = Refiner.changes(out, spec.key());
      Dataset<Row> after =
          current.join(changes.table().select(col(spec.key())), current.col(spec.key()).equalTo(changes.table().col(spec.key())), "left_anti")
              .unionByName(out.valid());
      QualityGate.Committed c =
          gate(ctx).commitChanges(
              silver, quarantine, annotated, after, judged ? new QualityGate.MergedByKey(spec.key(), before, out.valid()) : null,
              new QualityGate.Changes(changes.table(), "t." + key + " = s." + key + (between == null ? "" : " AND t." + key + between), "_valid"),
              new QualityGate.Changes(
                  changes.quarantine(),
                  "coalesce(t.record_key, '') = coalesce(s.record_key, '') AND ((t.record_key IS NOT NULL AND s.record_key IS NOT NULL)"
                      + " OR (t.record_key IS NULL AND s.record_key IS NULL AND t.source_file <=> s.source_file AND t.record_index <=> s.record_index))",
                  "NOT _valid"),
              spec.expectations(), bronzeVersion, lineage);
      written.put(quarantine.toString(), c.quarantineVersion());
      rows.put(quarantine.toString(), lh.read(quarantine, c.quarantineVersion()).count()); // the table's rows, as a full refine reports
      written.put(silver.toString(), c.version());
      rows.put(silver.toString(), c.rows());
      return Optional.of(
          String.format(
              "%,d bronze records appended since v%d (%d files) -> %,d keys changed, merged into %s v%d (%,d rows), %,d quarantined (%s: %,d rows)",
              added.count(), from, files.get().size(), changes.table().count(), silver, c.version(), c.rows(), c.quarantined(), quarantine,
              rows.get(quarantine.toString())));
    } finally {
      if (annotated != null) {
        annotated.unpersist();
      }
      if (held != null) {
        held.unpersist();
      }
      parsed.unpersist();
    }
  }

  void refineDimension(
      JobContext ctx, PipelineSpec.Refined d, Map<String, Dataset<Row>> dims, Map<String, Long> written, Map<String, Long> rows, StringBuilder summary) {
    TableId table = ctx.silver(d.table());
    String path = ctx.resolvePath(d.file().path());
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", ctx.runId());
    // The file as the spec names it, and its content: a project folder moved or cloned elsewhere
    // (another absolute path, new modification times) holds the same dimension.
    lineage.put("source_file", d.file().path());
    lineage.put("source_version", fileVersion(ctx, path));
    lineage.put("spec_hash", JobContext.hash(d));
    if (!upToDateAndAudited(ctx, table, lineage) || ctx.flag("force")) {
      var reader = ctx.lakehouse().spark().read().format(d.file().format()).option("header", "true");
      for (Map.Entry<String, String> o : d.file().options().entrySet()) {
        reader = reader.option(o.getKey(), o.getValue());
      }
      if (d.recordSchema() != null) {
        reader = reader.schema(d.recordSchema());
      }
      Dataset<Row> raw = reader.load(path).withColumn("_file", col("_metadata.file_path"));
      Dataset<Row> parsed = Refiner.parseFile(raw, "_file");
      Refiner.Output out = Refiner.refine(Refiner.dedupe(parsed, d.key()), d, dims);
      commit(ctx, table, TableId.of(table.layer(), d.quarantineTable()), out, d.expectations(), (Long) lineage.get("source_version"), lineage, written, rows, QualityGate.Layout.AS_WRITTEN);
      if (d.profile()) {
        profile(ctx, table, written.get(table.toString()));
      }
      summary.append(String.format("%s v%d (%,d rows); ", table, written.get(table.toString()), rows.get(table.toString())));
    } else if (d.profile()) {
      profileIfMissing(ctx, table);
    }
    dims.put(d.table(), ctx.lakehouse().read(table));
  }

  /** Audits the candidate rows against the table's expectations, then commits quarantine and table. */
  private static void commit(
      JobContext ctx,
      TableId table,
      TableId quarantine,
      Refiner.Output out,
      List<CheckSpec> expectations,
      long sourceVersion,
      Map<String, Object> lineage,
      Map<String, Long> written,
      Map<String, Long> rows,
      QualityGate.Layout layout) {
    Dataset<Row> annotated = out.annotated().persist();
    try {
      QualityGate.Committed c =
          gate(ctx).commit(table, quarantine, annotated, out.valid(), out.quarantine(), expectations, sourceVersion, lineage, layout);
      written.put(quarantine.toString(), c.quarantineVersion());
      rows.put(quarantine.toString(), c.quarantined());
      written.put(table.toString(), c.version());
      rows.put(table.toString(), c.rows());
    } finally {
      annotated.unpersist();
    }
  }

  /**
   * Silver's file statistics, kept when a full refine creates it: for its key (the increment's
   * look-up and the MERGE prune silver's files by the key's range) and its date and timestamp
   * columns (what analysts filter silver by). Delta's default covers every column, lineage hashes
   * and paths too: ~4 % of a full refine's executor CPU at 3M rows (JFR).
   */
  static QualityGate.Layout statsLayout(Dataset<Row> rows, String key) {
    List<String> columns = new java.util.ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : rows.schema().fields()) {
      org.apache.spark.sql.types.DataType t = f.dataType();
      if (f.name().equals(key)
          || t instanceof org.apache.spark.sql.types.DateType
          || t instanceof org.apache.spark.sql.types.TimestampType
          || t instanceof org.apache.spark.sql.types.TimestampNTZType) {
        columns.add(f.name());
      }
    }
    return new QualityGate.Layout(null, columns);
  }

  /** Stores the column statistics of {@code table} at {@code version} in ops.table_profiles; returns the seconds it took. */
  static double profile(JobContext ctx, TableId table, long version) {
    long t0 = System.nanoTime();
    new TableProfiles(ctx.lakehouse(), Clock.systemUTC()).profile(table, version, ctx.runId());
    return secs(t0);
  }

  /**
   * On a stage skipped as up to date: profiles the table if a run killed between its commit and its
   * profile left the newest lakeml version (or a later one, e.g. its docs commit) without one; the
   * version profiled is the latest, as {@link #profile} after a write (whose version includes the
   * docs commit made right after the data). A lookup when the profile is there.
   */
  static void profileIfMissing(JobContext ctx, TableId table) {
    TableProfiles profiles = new TableProfiles(ctx.lakehouse(), Clock.systemUTC());
    if (!profiles.profiledSince(table, dataVersion(ctx.lakehouse(), table))) {
      profiles.profile(table, ctx.lakehouse().latestVersion(table), ctx.runId());
    }
  }

  /** The table's newest version written by a lakeml stage (the newest commit carrying its lineage). */
  static long dataVersion(Lakehouse lakehouse, TableId table) {
    return ((Number) lakehouse.lastCommitInfo(table, "source_version").orElseThrow().get("_version")).longValue();
  }

  static QualityGate gate(JobContext ctx) {
    return new QualityGate(ctx.lakehouse(), ctx.runId(), Clock.systemUTC());
  }

  /**
   * {@link #upToDate}, and the newest version's quality verdicts are recorded: a run killed after
   * the table's commit but before its ledger record is redone, not skipped (crash safety).
   */
  static boolean upToDateAndAudited(JobContext ctx, TableId table, Map<String, Object> lineage) {
    if (!upToDate(ctx.lakehouse(), table, lineage)) {
      return false;
    }
    return gate(ctx).ledger().recorded(table, dataVersion(ctx.lakehouse(), table));
  }

  /** True when the table's newest lakeml commit was computed from exactly these inputs. */
  static boolean upToDate(Lakehouse lakehouse, TableId table, Map<String, Object> lineage) {
    Optional<Map<String, Object>> last = lakehouse.lastCommitInfo(table, "source_version");
    return last.isPresent() && matches(last.get(), lineage);
  }

  /**
   * True when the commit's lineage {@code info} was computed from the same inputs as {@code lineage}
   * (spec, source table, dimensions...), whatever the source version: an increment can then be
   * applied to it.
   */
  static boolean sameInputs(Map<String, Object> info, Map<String, Object> lineage) {
    Map<String, Object> inputs = new LinkedHashMap<>(lineage);
    inputs.remove("source_version");
    return matches(info, inputs);
  }

  /** True when the commit's lineage {@code info} holds every entry of {@code lineage} but run_id. */
  private static boolean matches(Map<String, Object> info, Map<String, Object> lineage) {
    for (Map.Entry<String, Object> e : lineage.entrySet()) {
      if (!e.getKey().equals("run_id") && !String.valueOf(e.getValue()).equals(String.valueOf(info.get(e.getKey())))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The dimension file's version: the first 63 bits of its content's SHA-256 (a positive number, as a
   * Delta version is), so the same bytes are the same version wherever the file lies and whenever it
   * was written. The file is read whole; dimension files are small (airports.csv: 210 KB).
   */
  private static long fileVersion(JobContext ctx, String path) {
    Path p = new Path(path);
    try (var in = p.getFileSystem(ctx.lakehouse().spark().sparkContext().hadoopConfiguration()).open(p)) {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
      return java.nio.ByteBuffer.wrap(sha.digest()).getLong() & Long.MAX_VALUE;
    } catch (IOException e) {
      throw new dev.lakeml.LakemlException("Cannot read dimension file " + path + ": " + e.getMessage() + ". Check the path in the pipeline spec.", e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("This JVM has no SHA-256", e);
    }
  }

  static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
