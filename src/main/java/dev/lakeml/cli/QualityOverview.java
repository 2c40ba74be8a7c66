package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.observe.MetricPoint;
import dev.lakeml.observe.QuarantineCount;
import dev.lakeml.observe.RunSummary;
import dev.lakeml.quality.QualityLedger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The quality part of a run's report, read from the lakehouse: rows the run sent to each quarantine
 * table by rule, and the quality ledger's metrics of each table across its last versions.
 */
final class QualityOverview {
  /** Runs per table drawn in the charts across versions. */
  static final int HISTORY_RUNS = 20;

  private QualityOverview() {}

  static void addTo(RunSummary.Builder b, Lakehouse lakehouse, PipelineSpec spec, String runId) {
    for (TableId q : quarantineTables(spec)) {
      quarantine(lakehouse, q, runId).forEach(b::addQuarantineCount);
    }
    history(lakehouse, runId).forEach(b::addQualityHistory);
  }

  static List<TableId> quarantineTables(PipelineSpec spec) {
    List<TableId> out = new ArrayList<>();
    spec.dimensions().forEach(d -> out.add(TableId.of(Layer.SILVER, d.quarantineTable())));
    out.add(TableId.of(Layer.SILVER, spec.silver().quarantineTable()));
    out.add(TableId.of(Layer.GOLD, spec.gold().quarantineTable()));
    return out;
  }

  /**
   * Rows of {@code quarantine} at the version {@code runId} committed, by rule: a reason written by
   * an expectation counts under the expectation's name; any other reason (parse error, failed
   * lookup, missing value) under its text with the offending value elided. Empty when the run did
   * not write the table.
   */
  static List<QuarantineCount> quarantine(Lakehouse lakehouse, TableId quarantine, String runId) {
    long version = lakehouse.versionWrittenBy(quarantine, runId);
    if (version < 0) {
      return List.of();
    }
    Dataset<Row> rows =
        lakehouse.read(quarantine, version)
            .selectExpr("explode(reasons) AS reason", "rules_broken")
            .selectExpr(
                "CASE WHEN array_contains(rules_broken, substring_index(reason, ': ', 1)) THEN substring_index(reason, ': ', 1)"
                    + " ELSE regexp_replace(regexp_replace(reason, \"'[^']*'\", \"'…'\"), 'got .*$', 'got …') END AS rule")
            .groupBy("rule")
            .count()
            .orderBy(col("count").desc(), col("rule"));
    List<QuarantineCount> out = new ArrayList<>();
    for (Row r : rows.collectAsList()) {
      out.add(new QuarantineCount(quarantine.toString(), version, r.getString(0), r.getLong(1)));
    }
    return out;
  }

  /**
   * Per table, up to the run's own verdicts: each watched metric ({@code row_count}, null rates) and
   * the number of failed checks, one point per run, labelled by the version it produced ({@code v3};
   * {@code v3 failed} for a candidate that was not published; {@code <run> failed} when nothing was
   * written).
   */
  static List<MetricPoint> history(Lakehouse lakehouse, String runId) {
    if (!lakehouse.exists(QualityLedger.TABLE)) {
      return List.of();
    }
    Dataset<Row> ledger = lakehouse.read(QualityLedger.TABLE);
    Row cutoff = ledger.filter(col("run_id").equalTo(runId)).agg(expr("max(checked_at)")).first();
    if (!cutoff.isNullAt(0)) {
      ledger = ledger.filter(col("checked_at").leq(cutoff.getTimestamp(0)));
    }
    List<Row> runs =
        ledger
            .groupBy("table_name", "run_id")
            .agg(
                expr("min(checked_at) AS at"),
                expr("bool_or(accepted) AS accepted"),
                expr("max(published_version) AS published"),
                expr("max(candidate_version) AS candidate"),
                expr("collect_list(CASE WHEN rule = '" + QualityLedger.METRIC + "' THEN struct(check_name, metric) END) AS metrics"),
                expr("sum(CASE WHEN rule <> '" + QualityLedger.METRIC + "' AND NOT passed THEN 1 ELSE 0 END) AS failed"))
            .orderBy(col("table_name"), col("at"), col("run_id"))
            .collectAsList();
    Map<String, List<Row>> byTable = new LinkedHashMap<>();
    runs.forEach(r -> byTable.computeIfAbsent(r.getString(0), t -> new ArrayList<>()).add(r));
    List<MetricPoint> out = new ArrayList<>();
    for (Map.Entry<String, List<Row>> e : byTable.entrySet()) {
      List<Row> last = e.getValue().subList(Math.max(0, e.getValue().size() - HISTORY_RUNS), e.getValue().size());
      Map<String, List<MetricPoint>> series = new LinkedHashMap<>();
      for (Row r : last) {
        String label = label(r);
        for (Row m : r.<Row>getList(r.fieldIndex("metrics"))) {
          if (!m.isNullAt(1)) {
            String name = e.getKey() + " " + m.getString(0);
            series.computeIfAbsent(name, n -> new ArrayList<>()).add(new MetricPoint(name, label, m.getDouble(1)));
          }
        }
        String failed = e.getKey() + " failed checks";
        series.computeIfAbsent(failed, n -> new ArrayList<>()).add(new MetricPoint(failed, label, r.getLong(r.fieldIndex("failed"))));
      }
      series.values().forEach(out::addAll);
    }
    return out;
  }

  private static String label(Row r) {
    boolean accepted = !r.isNullAt(r.fieldIndex("accepted")) && r.getBoolean(r.fieldIndex("accepted"));
    if (accepted && !r.isNullAt(r.fieldIndex("published"))) {
      return "v" + r.getLong(r.fieldIndex("published"));
    }
    if (!r.isNullAt(r.fieldIndex("candidate"))) {
      return "v" + r.getLong(r.fieldIndex("candidate")) + " failed";
    }
    String run = r.getString(1);
    return run.substring(0, Math.min(16, run.length())) + " failed";
  }
}
