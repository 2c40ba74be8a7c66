package dev.lakeml.quality;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import dev.lakeml.config.CheckSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quality stage between a transform and its commit. It audits candidate rows against a table's
 * expectations, records every verdict and metric in the {@link QualityLedger}, and commits only
 * what passed:
 *
 * <ul>
 *   <li>{@link #commit}: audit in memory, then commit quarantine and table (silver, dimensions).
 *   <li>{@link #writeAuditPublish}: write the candidate version to a candidates table, audit
 *       <em>that version</em>, then publish it to the table readers query with one Delta commit.
 *       A failed candidate stays in the candidates table for inspection; the published table keeps
 *       showing the last good version, and its history holds only versions that passed.
 * </ul>
 *
 * Input rows are the output of {@link RowRules#annotate}: every row either reaches the table or the
 * quarantine table, never both, never neither.
 */
public final class QualityGate {
  private final Lakehouse lakehouse;
  private final QualityLedger ledger;
  private final String runId;
  private final Clock clock;

  public QualityGate(Lakehouse lakehouse, String runId, Clock clock) {
    this.lakehouse = lakehouse;
    this.ledger = new QualityLedger(lakehouse, clock);
    this.runId = runId;
    this.clock = clock;
  }

  public QualityLedger ledger() {
    return ledger;
  }

  /** The verdicts of one audit and the metrics measured for the history rules. */
  public record Verdict(List<CheckOutcome> outcomes, Map<String, Double> metrics) {
    public boolean blocked() {
      return outcomes.stream().anyMatch(CheckOutcome::blocking);
    }
  }

  /** What a commit wrote: versions and row counts of the table and its quarantine table. */
  public record Committed(long version, long rows, long quarantineVersion, long quarantined, Long candidateVersion, Verdict verdict) {}

  /**
   * Judges candidate rows: row rules over every {@code annotated} row; dataset and history rules
   * over {@code valid}, the rows that would be committed.
   */
  public Verdict audit(TableId table, Dataset<Row> annotated, Dataset<Row> valid, List<CheckSpec> rules) {
    return audit(table, annotated, valid, rules, null, null);
  }

  /**
   * How a table's next version is made from its current one: the rows of data version
   * {@code before} whose {@code key} is not among the changes', then {@code upserted}, the changes'
   * rows that stay in the table (a MERGE by key, as {@code refine} applies an increment).
   */
  public record MergedByKey(String key, long before, Dataset<Row> upserted) {}

  /**
   * {@link #audit(TableId, Dataset, Dataset, List)}; with {@code merged} (null: none), a
   * {@code unique} rule on the merge key alone is judged over the upserted rows instead of the whole
   * table when the run that published version {@code before} recorded it passed at 1.0: a key held
   * once before, and once among the upserted rows, which replace any row of their key, is held once
   * after. Should the upserted rows break it, the rule is judged over the whole table.
   */
  Verdict audit(TableId table, Dataset<Row> annotated, Dataset<Row> valid, List<CheckSpec> rules, MergedByKey merged) {
    return audit(table, annotated, valid, rules, merged == null ? null : new Derived(merged.before(), merged.upserted(), null, merged.key()), null);
  }

  /**
   * How audited rows are made from a version an accepted audit judged: {@code before}, a published
   * version of the table, changed by {@code added} rows. The rows of {@code before} that stay are
   * {@code kept}, or, when that is null, those whose {@code key} is not among {@code added}'s (a
   * MERGE by key, which replaces any row of an added key).
   */
  private record Derived(long before, Dataset<Row> added, Dataset<Row> kept, String key) {}

  /** The audit; {@code counts}: {@code annotated}'s, when the caller counted them (null: counted here if a row rule needs them). */
  private Verdict audit(TableId table, Dataset<Row> annotated, Dataset<Row> valid, List<CheckSpec> rules, Derived derived, RowRules.Counts counts) {
    List<CheckOutcome> outcomes = new ArrayList<>();
    Map<String, Long> broken =
        counts != null ? counts.broken() : rules.stream().anyMatch(r -> r.kind() == CheckSpec.Kind.ROW) ? RowRules.counts(annotated).broken() : Map.of();
    for (CheckSpec r : rules) {
      if (r.kind() == CheckSpec.Kind.ROW) {
        long n = broken.getOrDefault(r.name(), 0L);
        String message =
            n == 0 ? "ok" : n + " rows broke it" + switch (r.action()) {
              case QUARANTINE -> "; moved to quarantine";
              case WARN -> "; kept (warn)";
              case FAIL -> "";
            };
        outcomes.add(new CheckOutcome(r.name(), r.rule(), r.action(), n == 0, (double) n, n, message));
      }
    }
    Map<String, CheckOutcome> byMerge = uniqueByIncrement(table, rules, derived);
    List<CheckSpec> whole = rules.stream().filter(r -> !byMerge.containsKey(r.name())).toList();
    DeequChecks.Verified verified = DeequChecks.verify(valid, whole, clock.instant());
    Map<String, CheckOutcome> datasetOutcomes = new LinkedHashMap<>(byMerge);
    verified.outcomes().forEach(o -> datasetOutcomes.put(o.check(), o));
    for (CheckSpec r : rules) { // in the spec's order
      if (datasetOutcomes.containsKey(r.name())) {
        outcomes.add(datasetOutcomes.get(r.name()));
      }
    }
    Map<String, Double> metrics = verified.metrics();
    for (CheckSpec r : rules) {
      if (r.kind() == CheckSpec.Kind.HISTORY) {
        String metric = AnomalyRules.metricName(r);
        outcomes.add(AnomalyRules.evaluate(r, metrics.get(metric), ledger.acceptedHistory(table, metric, r.baselineVersions())));
      }
    }
    return new Verdict(outcomes, metrics);
  }

  /**
   * The outcomes of the {@code unique} rules that {@code derived}'s added rows prove, by rule name: a
   * rule the accepted audit of version {@code before} recorded passed at 1.0 holds for the rows kept
   * of it; it holds after when the added rows pass it and no kept row shares their value. Rows that
   * replace their key's rows share none on that key; on other columns (and for kept rows named
   * outright, a slice) the kept rows are searched for the added values, null-safe and skipping rows
   * null in every column, as Deequ's uniqueness counts them. A rule the added rows break, or whose
   * value a kept row holds, is judged over the whole table instead.
   */
  private Map<String, CheckOutcome> uniqueByIncrement(TableId table, List<CheckSpec> rules, Derived derived) {
    if (derived == null) {
      return Map.of();
    }
    List<CheckSpec> provable =
        rules.stream()
            .filter(r -> r.rule() == CheckSpec.Rule.UNIQUE && (derived.kept() != null || r.columns().equals(List.of(derived.key()))))
            .filter(r -> ledger.passedWith(table, derived.before(), r.name(), 1.0))
            .toList();
    if (provable.isEmpty()) {
      return Map.of();
    }
    Map<String, CheckOutcome> proven = new LinkedHashMap<>();
    DeequChecks.Verified added = DeequChecks.verify(derived.added(), provable, clock.instant());
    long n = added.metrics().get("row_count").longValue();
    Map<String, CheckSpec> byName = new LinkedHashMap<>();
    provable.forEach(r -> byName.put(r.name(), r));
    boolean byKey = derived.kept() == null; // then every provable rule is on the key
    for (CheckOutcome o : added.outcomes()) {
      List<String> columns = byName.get(o.check()).columns();
      if (o.passed() && (byKey || noneShared(derived.kept(), derived.added(), columns))) {
        String how =
            byKey
                ? "the " + n + " merged rows are unique on " + derived.key() + " and replace their keys' rows"
                : "the " + n + " rows written are unique on " + String.join(", ", columns) + " and the rows kept hold none of their values";
        proven.put(o.check(), new CheckOutcome(o.check(), o.rule(), o.action(), true, 1.0, null, "ok: 1.0 (v" + derived.before() + " passed; " + how + ")"));
      }
    }
    return proven;
  }

  /** No row of {@code kept} holds the value of {@code columns} of a row of {@code added} (null-safe; rows null in every column skipped). */
  private static boolean noneShared(Dataset<Row> kept, Dataset<Row> added, List<String> columns) {
    Column anyValue = columns.stream().map(c -> col(c).isNotNull()).reduce(Column::or).orElseThrow();
    Dataset<Row> values = added.filter(anyValue).select(columns.stream().map(c -> col(c).as("_v_" + c)).toArray(Column[]::new)).distinct();
    Column same = columns.stream().map(c -> col(c).eqNullSafe(col("_v_" + c))).reduce(Column::and).orElseThrow();
    return kept.filter(anyValue).join(broadcast(values), same, "left_semi").limit(1).isEmpty();
  }

  /** Audits, then commits quarantine and table; when a fail expectation broke, records and throws. */
  public Committed commit(
      TableId table, TableId quarantine, Dataset<Row> annotated, Dataset<Row> valid, Dataset<Row> rejected, List<CheckSpec> rules, long sourceVersion, Map<String, Object> lineage) {
    return commit(table, quarantine, annotated, valid, rejected, rules, sourceVersion, lineage, Layout.AS_WRITTEN);
  }

  /** {@link #commit(TableId, TableId, Dataset, Dataset, Dataset, List, long, Map)}, the table's files laid out as {@code layout} says. */
  public Committed commit(
      TableId table, TableId quarantine, Dataset<Row> annotated, Dataset<Row> valid, Dataset<Row> rejected, List<CheckSpec> rules, long sourceVersion,
      Map<String, Object> lineage, Layout layout) {
    Verdict verdict = audit(table, annotated, valid, rules);
    if (verdict.blocked()) {
      ledger.record(runId, table, sourceVersion, null, null, verdict.outcomes(), verdict.metrics());
      throw QualityErrors.blocked(table, verdict.outcomes(), readersSee(table));
    }
    long qv = lakehouse.write(rejected.withColumn("run_id", lit(runId)), quarantine, Lakehouse.Write.overwrite(), lineage);
    long v = lakehouse.write(valid, table, Lakehouse.Write.overwrite().clusteredBy(layout.clusterBy()).statsOn(layout.statsOn()), lineage);
    ledger.record(runId, table, sourceVersion, v, v, verdict.outcomes(), verdict.metrics());
    return new Committed(v, verdict.metrics().get("row_count").longValue(), qv, rejected.count(), v, verdict);
  }

  /**
   * Changes for {@link Lakehouse#upsertOrDelete}: rows, match condition, and which rows are kept (a
   * condition on a change's own columns, names the table does not have, e.g. {@code _valid}).
   */
  public record Changes(Dataset<Row> rows, String on, String keep) {}

  /**
   * The incremental twin of {@link #commit}: row rules are judged over the {@code annotated} rows of
   * the increment, dataset and history rules over {@code after}, the whole table as it will be once
   * the changes are applied ({@code merged}, null or how {@code after} is made: a {@code unique}
   * rule on its key is then judged over the upserted rows, see {@link #audit(TableId, Dataset,
   * Dataset, List, MergedByKey)}); then the changes are merged into quarantine and table (each merge can
   * be applied again after a crash without duplicating). When a fail expectation broke, records and
   * throws, committing nothing.
   */
  public Committed commitChanges(
      TableId table, TableId quarantine, Dataset<Row> annotated, Dataset<Row> after, MergedByKey merged, Changes tableChanges,
      Changes quarantineChanges, List<CheckSpec> rules, long sourceVersion, Map<String, Object> lineage) {
    Verdict verdict = audit(table, annotated, after, rules, merged);
    if (verdict.blocked()) {
      ledger.record(runId, table, sourceVersion, null, null, verdict.outcomes(), verdict.metrics());
      throw QualityErrors.blocked(table, verdict.outcomes(), readersSee(table));
    }
    Dataset<Row> q = quarantineChanges.rows().withColumn("run_id", lit(runId));
    long qv = lakehouse.upsertOrDelete(q, quarantine, quarantineChanges.on(), quarantineChanges.keep(), lineage);
    long v = lakehouse.upsertOrDelete(tableChanges.rows(), table, tableChanges.on(), tableChanges.keep(), lineage);
    ledger.record(runId, table, sourceVersion, v, v, verdict.outcomes(), verdict.metrics());
    long quarantined = q.filter(quarantineChanges.keep()).count();
    return new Committed(v, verdict.metrics().get("row_count").longValue(), qv, quarantined, v, verdict);
  }

  /**
   * The rows a {@link #writeAuditPublish} replaces: those of the table matching {@code condition}
   * (on its columns, e.g. a date range), and those of the quarantine table matching
   * {@code quarantineCondition} (on its columns: the rejected rows' payload). {@code judged}: the
   * table's published version whose accepted audit judged the candidate rows outside the slice
   * (null: not known), so that a {@code unique} rule it passed is judged over the slice's rows
   * and whether the rows kept hold their values, not over the whole candidate.
   */
  public record Slice(String condition, String quarantineCondition, Long judged) {
    public Slice(String condition, String quarantineCondition) {
      this(condition, quarantineCondition, null);
    }
  }

  /**
   * How the candidate's and the table's files are laid out: clustered by {@code clusterBy} (null: as
   * the rows come, see {@link Lakehouse.Write#clusteredBy}), and, when the tables are created, with
   * Delta's file statistics for {@code statsOn} only (empty: Delta's default, see {@link
   * Lakehouse.Write#statsOn}).
   */
  public record Layout(String clusterBy, List<String> statsOn) {
    public static final Layout AS_WRITTEN = new Layout(null, List.of());

    public Layout {
      statsOn = List.copyOf(statsOn);
    }
  }

  /**
   * Write-audit-publish: commits the valid rows of {@code annotated} ({@link RowRules#annotate}) to
   * {@code candidates}, audits that version and, if no fail expectation broke, publishes it to
   * {@code table} and the rejected rows to {@code quarantine} ({@link RowRules#quarantine}, by
   * {@code key}). The row rules' counts, taken in one pass, say how many rows were rejected: none,
   * and no job reads the rows again to write or count the quarantine.
   *
   * <p>With a {@code slice} (null: the whole table), {@code annotated} holds the slice's rows only.
   * The candidate and then the table replace only the slice's rows (Delta's replaceWhere, one commit
   * each); the quarantine table keeps its rows outside the slice. Row rules are judged over the
   * slice's rows, dataset and history rules over the whole candidate version (a {@code unique} rule over the slice's rows when the slice names the version
   * whose audit judged the rest, see {@link Slice}). Only right when the candidates table held what
   * {@code table} shows (the caller checks).
   *
   * <p>With a {@code layout} clustered by a column, the candidate's and the table's files are
   * clustered by it ({@link Lakehouse.Write#clusteredBy}), e.g. a feature table by its event date, so
   * that a slice of days rewrites, and a read of a date range scans, only those days' files; its
   * {@code statsOn} names the columns their files keep statistics for.
   */
  public Committed writeAuditPublish(
      TableId table,
      TableId candidates,
      TableId quarantine,
      Dataset<Row> annotated,
      String key,
      List<CheckSpec> rules,
      long sourceVersion,
      Map<String, Object> lineage,
      Slice slice,
      Layout layout) {
    Dataset<Row> valid = RowRules.valid(annotated);
    Lakehouse.Write replace =
        (slice == null ? Lakehouse.Write.overwrite() : Lakehouse.Write.replace(slice.condition())).clusteredBy(layout.clusterBy()).statsOn(layout.statsOn());
    long cv = lakehouse.write(valid, candidates, replace, lineage);
    Dataset<Row> candidate = lakehouse.read(candidates, cv);
    Derived derived =
        slice == null || slice.judged() == null
            ? null
            : new Derived(slice.judged(), candidate.filter(slice.condition()), candidate.filter("NOT coalesce((" + slice.condition() + "), false)"), null);
    RowRules.Counts counts = RowRules.counts(annotated);
    Verdict verdict = audit(table, annotated, candidate, rules, derived, counts);
    if (verdict.blocked()) {
      ledger.record(runId, table, sourceVersion, cv, null, verdict.outcomes(), verdict.metrics());
      throw QualityErrors.blocked(
          table, verdict.outcomes(), readersSee(table) + " The failed candidate is " + candidates + " version " + cv + ".");
    }
    Map<String, Object> published = new LinkedHashMap<>(lineage);
    published.put("candidate_table", candidates.toString());
    published.put("candidate_version", cv);
    Dataset<Row> rejects = RowRules.quarantine(annotated, key).withColumn("run_id", lit(runId));
    if (counts.rejected() == 0) { // the same columns, no row: no job reads the rows again
      rejects = lakehouse.spark().createDataFrame(List.of(), rejects.schema());
    }
    long qv;
    if (slice == null) {
      qv = lakehouse.write(rejects, quarantine, Lakehouse.Write.overwrite(), lineage);
    } else {
      qv = lakehouse.latestVersion(quarantine);
      Dataset<Row> held = lakehouse.read(quarantine, qv);
      Column inSlice = coalesce(expr(slice.quarantineCondition()), lit(false));
      // A slice that rejects nothing where the quarantine holds nothing leaves it as it is: the
      // overwrite would write the same rows (a clean day's case).
      if (counts.rejected() > 0 || !held.filter(inSlice).isEmpty()) {
        qv = lakehouse.write(held.filter(not(inSlice)).unionByName(rejects), quarantine, Lakehouse.Write.overwrite(), lineage);
      }
    }
    // A whole candidate is published as a copy of its files (no row is read again; a table whose
    // layout the copies cannot keep is written), a slice by Delta's replaceWhere.
    long v =
        slice == null
            ? lakehouse.copyVersion(candidates, cv, table, replace, published).orElseGet(() -> lakehouse.write(candidate, table, replace, published))
            : lakehouse.write(candidate.filter(slice.condition()), table, replace, published);
    ledger.record(runId, table, sourceVersion, cv, v, verdict.outcomes(), verdict.metrics());
    long quarantined = slice == null ? counts.rejected() : lakehouse.read(quarantine, qv).count();
    return new Committed(v, verdict.metrics().get("row_count").longValue(), qv, quarantined, cv, verdict);
  }

  private String readersSee(TableId table) {
    return lakehouse.exists(table)
        ? table + " still shows version " + lakehouse.latestVersion(table) + "."
        : table + " has not been published yet.";
  }
}
