package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.quality.QualityGate;
import dev.lakeml.quality.RowRules;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Silver to the gold feature table at a pinned silver version, by write-audit-publish: the
 * candidate version is written to the candidates table, audited, and published only if it passed.
 * When only some silver rows changed since gold was built (a daily increment), only the gold rows
 * of the days they touch, and of the days whose trailing windows reach them, are rebuilt and
 * replaced ({@link #changedSince}); the audit still judges the whole candidate.
 */
public final class FeaturesJob implements Job {
  @Override
  public String name() {
    return "features";
  }

  @Override
  public String usage() {
    return "features                silver -> gold feature table (point-in-time trailing aggregates)";
  }

  /**
   * Lineage keys of the commits of a run that rebuilt only some days in place: the first and last
   * event date of the rows it replaced. On gold and its candidates table the write is a
   * {@code replaceWhere} on those days, so Delta itself refuses rows outside them; the quarantine
   * table is rewritten, its rows of other days kept as they were.
   */
  public static final String REBUILT_FROM = "rebuilt_from", REBUILT_TO = "rebuilt_to";

  /** The event dates one in-place rebuild replaced: {@link #REBUILT_FROM} .. {@link #REBUILT_TO}, both included. */
  public record Rebuilt(LocalDate first, LocalDate last) {
    /** Whether a replaced row may be dated in [from, before). */
    public boolean overlaps(LocalDate from, LocalDate before) {
      return !last.isBefore(from) && first.isBefore(before);
    }

    /** The days from the first of {@code rebuilt} to the last; empty for none. */
    public static Optional<Rebuilt> span(List<Rebuilt> rebuilt) {
      return rebuilt.stream()
          .reduce((a, b) -> new Rebuilt(a.first().isBefore(b.first()) ? a.first() : b.first(), a.last().isAfter(b.last()) ? a.last() : b.last()));
    }
  }

  /**
   * The days each commit of {@code gold} after {@code version} (up to {@code upTo}) replaced, one
   * entry per commit that changed rows, oldest first; no entry for a commit that changed none. Empty
   * when the log cannot tell: a commit changed rows without saying which days (a full rebuild, an
   * analyst's DELETE), the log has a gap, or {@code version} was committed after {@code readBy}
   * (the reader read another table of the same name, since dropped and created again).
   */
  public static Optional<List<Rebuilt>> rebuiltSince(Lakehouse lakehouse, TableId gold, long version, java.time.Instant readBy, long upTo) {
    Optional<List<Lakehouse.Commit>> commits = lakehouse.commitsAfter(gold, version - 1, upTo);
    if (commits.isEmpty() || commits.get().isEmpty()) {
      return Optional.empty();
    }
    Lakehouse.Commit read = commits.get().get(0);
    if (read.at() == null || readBy == null || read.at().isAfter(readBy)) {
      return Optional.empty();
    }
    List<Rebuilt> out = new java.util.ArrayList<>();
    for (Lakehouse.Commit c : commits.get().subList(1, commits.get().size())) {
      if (!c.dataChange()) {
        continue;
      }
      Object f = c.info().get(REBUILT_FROM), t = c.info().get(REBUILT_TO);
      if (f == null || t == null) {
        return Optional.empty();
      }
      try {
        out.add(new Rebuilt(LocalDate.parse(f.toString()), LocalDate.parse(t.toString())));
      } catch (java.time.format.DateTimeParseException e) {
        return Optional.empty(); // not a commit features made: it may have touched any row
      }
    }
    return Optional.of(out);
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec.Features spec = ctx.spec().gold();
    TableId silver = ctx.silver(ctx.spec().silver().table());
    TableId gold = ctx.gold(spec.table());
    long silverVersion = ctx.lakehouse().latestVersion(silver);
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", ctx.runId());
    lineage.put("source_table", silver.toString());
    lineage.put("source_version", silverVersion);
    lineage.put("spec_hash", JobContext.hash(spec));
    lineage.put("source_table_id", ctx.lakehouse().tableUuid(silver));
    if (RefineJob.upToDateAndAudited(ctx, gold, lineage) && !ctx.flag("force")) {
      if (spec.profile()) {
        RefineJob.profileIfMissing(ctx, gold);
      }
      return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), gold + " up to date with " + silver + " v" + silverVersion);
    }
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    for (PipelineSpec.Refined d : ctx.spec().dimensions()) {
      dims.put(d.table(), ctx.lakehouse().read(ctx.silver(d.table())));
    }
    String key = ctx.spec().silver().key();
    Dataset<Row> silverRows = ctx.lakehouse().read(silver, silverVersion);
    Optional<Changed> changed = changedSince(ctx, spec, silver, gold, silverVersion, lineage);
    Dataset<Row> features;
    QualityGate.Slice slice = null;
    if (changed.isPresent() && changed.get().none()) {
      // No silver row changed (an OPTIMIZE, a MERGE that rewrote the same rows): no gold row is
      // rebuilt. The empty slice still audits and publishes, so gold records the silver version.
      features = PointInTimeFeatures.build(silverRows.filter(lit(false)), key, spec);
      slice = new QualityGate.Slice("false", "false", changed.get().goldVersion());
    } else if (changed.isPresent()) {
      // Gold rows dated [first, last] are rebuilt from the silver rows their trailing windows read.
      Changed r = changed.get();
      Column day = expr(spec.eventDate()).cast("date");
      features =
          PointInTimeFeatures.build(silverRows.filter(day.between(lit(r.first().minusDays(r.window())), lit(r.last()))), key, spec)
              .filter(col(PointInTimeFeatures.EVENT_DATE).between(lit(r.first()), lit(r.last())));
      String range = String.format("BETWEEN DATE'%s' AND DATE'%s'", r.first(), r.last());
      // Gold's version holds the rows kept, as its audit judged them (changedSince checked).
      slice = new QualityGate.Slice(PointInTimeFeatures.EVENT_DATE + " " + range, "to_date(get_json_object(payload, '$." + PointInTimeFeatures.EVENT_DATE + "')) " + range, r.goldVersion());
    } else {
      features = PointInTimeFeatures.build(silverRows, key, spec);
    }
    Map<String, Object> published = lineage;
    if (changed.isPresent() && !changed.get().none()) {
      // Which rows this commit replaced: train reads it to tell whether its windows changed.
      published = new LinkedHashMap<>(lineage);
      published.put(REBUILT_FROM, changed.get().first().toString());
      published.put(REBUILT_TO, changed.get().last().toString());
    }
    Dataset<Row> annotated = RowRules.annotate(features, spec.expectations(), dims).persist();
    QualityGate.Committed c;
    try {
      c =
          RefineJob.gate(ctx)
              .writeAuditPublish(
                  gold,
                  ctx.gold(spec.candidatesTable()),
                  ctx.gold(spec.quarantineTable()),
                  annotated,
                  key,
                  spec.expectations(),
                  silverVersion,
                  published,
                  slice,
                  // A day's rows in few files: daily rebuilds and date-range reads touch only those.
                  // File statistics for what reads filter on: in files cut by day, another column's
                  // minimum and maximum span most of its values and skip nothing.
                  new QualityGate.Layout(PointInTimeFeatures.EVENT_DATE, List.of(key, PointInTimeFeatures.EVENT_DATE)));
    } finally {
      annotated.unpersist();
    }
    double profiled = spec.profile() ? RefineJob.profile(ctx, gold, c.version()) : 0;
    // Once per run, after the last audited table: keep the ledger from growing forever.
    long dropped = RefineJob.gate(ctx).ledger().retain();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    written.put(gold.toString(), c.version());
    rows.put(gold.toString(), c.rows());
    written.put(ctx.gold(spec.quarantineTable()).toString(), c.quarantineVersion());
    rows.put(ctx.gold(spec.quarantineTable()).toString(), c.quarantined());
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        written,
        rows,
        String.format(
            "%s -> audited %s v%d -> published %s v%d%s, %,d quarantined%s; %,d old ledger rows dropped",
            changed.map(r -> r.none() ? String.format("no row of %s changed since v%d: nothing rebuilt", silver, r.from()) : String.format("rows dated %s..%s rebuilt (%s v%d changed rows dated %s since v%d, in %d files)", r.first(), r.last(), silver, silverVersion, r.first() + ".." + r.lastChanged(), r.from(), r.files()))
                .orElse(String.format("%,d rows from %s v%d", c.rows(), silver, silverVersion)),
            ctx.gold(spec.candidatesTable()), c.candidateVersion(), gold, c.version(), changed.isPresent() ? String.format(" (%,d rows)", c.rows()) : "",
            c.quarantined(), spec.profile() ? String.format("; profiled in %.1fs", profiled) : "", dropped));
  }

  /**
   * What changed in silver since gold was built: its rows in {@code files} files were dated
   * {@code first..lastChanged}; the gold rows to rebuild are dated {@code first..last()} (those days,
   * and the days whose trailing windows of up to {@code window} days reach back into them).
   */
  record Changed(long from, long goldVersion, int files, LocalDate first, LocalDate lastChanged, int window) {
    /** Silver's commits since {@code from} changed no row: no gold row is rebuilt. */
    static Changed none(long from, long goldVersion) {
      return new Changed(from, goldVersion, 0, null, null, 0);
    }

    boolean none() {
      return first == null;
    }

    LocalDate last() {
      return lastChanged.plusDays(window);
    }
  }

  /**
   * The gold rows to rebuild when gold can be updated in place, or empty when it must be rebuilt
   * whole: asked with {@code --force}; no published gold yet, or its newest version without verdicts
   * (a run killed before its record); a changed spec; another silver table under the same name; a
   * newest candidate that is not the one gold published (a failed audit, a run killed after its
   * candidate); a data commit without lineage on gold or candidates since (an analyst's DELETE);
   * silver refined with another spec or other dimensions since (so unchanged silver rows would be
   * annotated differently); silver rewritten whole; or silver's changes unreadable (a gap in its log,
   * deletion vectors, partitioning, column mapping, a file VACUUM removed, a changed row without an
   * event date). When silver's commits since changed no row (an OPTIMIZE, a MERGE that rewrote a
   * file with the same rows), {@link Changed#none}: gold's rows stay as they are.
   *
   * <p>Otherwise the silver rows that changed since gold's {@code source_version} are those of the data
   * files the commits in between added that are not in the files they removed, and the other way
   * round (Delta's log, {@link dev.lakeml.delta.Lakehouse#filesTouched}); a gold row depends only on
   * silver rows of its own day and of the days its trailing windows cover, so the gold rows of the
   * other days stay as they are.
   */
  Optional<Changed> changedSince(JobContext ctx, PipelineSpec.Features spec, TableId silver, TableId gold, long silverVersion, Map<String, Object> lineage) {
    Lakehouse lh = ctx.lakehouse();
    TableId candidates = ctx.gold(spec.candidatesTable());
    if (ctx.flag("force") || !lh.exists(gold) || !lh.exists(candidates) || !lh.exists(ctx.gold(spec.quarantineTable()))) {
      return Optional.empty();
    }
    Optional<Map<String, Object>> last = lh.lastCommitInfo(gold, "source_version");
    if (last.isEmpty() || !RefineJob.sameInputs(last.get(), lineage)) { // spec, silver table and its Delta id
      return Optional.empty();
    }
    long from = ((Number) last.get().get("source_version")).longValue();
    long goldVersion = ((Number) last.get().get("_version")).longValue();
    // The newest candidate is the one gold published (same run): no failed audit or killed run since.
    Optional<Map<String, Object>> candidate = lh.lastCommitInfo(candidates, "source_version");
    if (from >= silverVersion
        || candidate.isEmpty()
        || !String.valueOf(last.get().get("run_id")).equals(String.valueOf(candidate.get().get("run_id")))
        || !RefineJob.gate(ctx).ledger().recorded(gold, goldVersion)
        || !noDataChangeSince(lh, gold, goldVersion) // e.g. an analyst's DELETE: a full rebuild undoes it
        || !noDataChangeSince(lh, candidates, ((Number) candidate.get().get("_version")).longValue())
        || !sameRefinement(lh.lineageAtOrBefore(silver, from), lh.lineageAtOrBefore(silver, silverVersion))) {
      return Optional.empty();
    }
    Optional<List<Lakehouse.Commit>> commits = lh.commitsAfter(silver, from, silverVersion);
    if (commits.isPresent() && commits.get().stream().noneMatch(Lakehouse.Commit::dataChange)) {
      return Optional.of(Changed.none(from, goldVersion)); // compactions (OPTIMIZE) and metadata only: the same rows
    }
    Optional<Lakehouse.FilesChanged> files = lh.filesTouched(silver, from, silverVersion);
    if (files.isEmpty() || files.get().added().isEmpty() && files.get().removed().isEmpty()) {
      return Optional.empty();
    }
    java.util.Set<String> added = new java.util.HashSet<>();
    files.get().added().forEach(f -> added.add(fileName(f)));
    if (java.util.Arrays.stream(lh.read(silver, silverVersion).inputFiles()).allMatch(f -> added.contains(fileName(f)))) {
      return Optional.empty(); // silver was rewritten whole (a full refine): so is gold
    }
    Row span;
    try {
      // The rows that changed: in the files added and not in those removed, or the other way round
      // (a MERGE rewrites whole files, most of whose rows stay as they were).
      Dataset<Row> in = lh.readFiles(silver, files.get().added());
      Dataset<Row> out = lh.readFiles(silver, files.get().removed());
      span =
          in.exceptAll(out)
              .unionByName(out.exceptAll(in))
              .select(expr(spec.eventDate()).cast("date").as("d"))
              .agg(min("d"), max("d"), sum(when(col("d").isNull(), 1).otherwise(0)))
              .first();
    } catch (Exception e) { // a file removed since `from` that VACUUM has deleted (Spark's AnalysisException): rebuild whole
      return Optional.empty();
    }
    if (!span.isNullAt(2) && span.getLong(2) > 0) {
      return Optional.empty(); // a changed row without an event date: its gold day is unknown
    }
    if (span.isNullAt(0)) {
      return Optional.of(Changed.none(from, goldVersion));
    }
    int window = spec.trailing().stream().mapToInt(PipelineSpec.Trailing::days).max().orElse(0);
    return Optional.of(new Changed(from, goldVersion, files.get().added().size() + files.get().removed().size(), localDate(span.get(0)), localDate(span.get(1)), window));
  }

  /** Commits after {@code version} changed no data (only docs or properties). */
  private static boolean noDataChangeSince(Lakehouse lh, TableId table, long version) {
    return lh.filesTouched(table, version, lh.latestVersion(table)).map(f -> f.added().isEmpty() && f.removed().isEmpty()).orElse(false);
  }

  /** A DATE value as Spark returns it: java.sql.Date, or LocalDate with the Java 8 time API on. */
  private static LocalDate localDate(Object value) {
    return value instanceof java.sql.Date d ? d.toLocalDate() : (LocalDate) value;
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** Silver refined with the same spec and dimension versions at both commits (their lineage). */
  private static boolean sameRefinement(Map<String, Object> a, Map<String, Object> b) {
    java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    keys.removeIf(k -> !k.equals("spec_hash") && !k.startsWith("dimension."));
    return a.containsKey("spec_hash") && keys.stream().allMatch(k -> String.valueOf(a.get(k)).equals(String.valueOf(b.get(k))));
  }
}
