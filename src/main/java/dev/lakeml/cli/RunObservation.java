package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.config.Settings;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.observe.MetricPoint;
import dev.lakeml.observe.PrometheusPusher;
import dev.lakeml.observe.PushResult;
import dev.lakeml.observe.QualityResult;
import dev.lakeml.observe.RunReport;
import dev.lakeml.observe.RunSummary;
import dev.lakeml.observe.TableVersion;
import dev.lakeml.quality.QualityLedger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Turns a finished run into what people look at: a {@link RunSummary} built from the stage results
 * and the ops tables, written as an HTML report and pushed to a Prometheus pushgateway when one is
 * configured. Never fails the run: the data is already committed.
 */
final class RunObservation {
  private RunObservation() {}

  static RunSummary summarize(
      Lakehouse lakehouse, PipelineSpec spec, String runId, String command, Instant started, String status, String error, List<StageResult> stages) {
    return summarize(lakehouse, spec, runId, command, started, Instant.now(), status, error, stages);
  }

  /** The summary of a run that ended at {@code ended} (a past run, for {@code quality-report}). */
  static RunSummary summarize(
      Lakehouse lakehouse, PipelineSpec spec, String runId, String command, Instant started, Instant ended, String status, String error, List<StageResult> stages) {
    RunSummary.Builder b = RunSummary.builder(runId, spec.name(), command).startedAt(started).endedAt(ended);
    if ("succeeded".equals(status)) {
      b.succeeded();
    } else {
      b.failed(error == null ? "failed" : error);
    }
    Instant at = started;
    for (StageResult s : stages) {
      Duration d = Duration.ofMillis(Math.round(s.seconds() * 1000));
      List<TableVersion> tables = new ArrayList<>();
      s.versionsWritten().forEach((t, v) -> tables.add(new TableVersion(t, v, s.rows().getOrDefault(t, 0L))));
      long rowsOut = s.rows().values().stream().mapToLong(Long::longValue).sum();
      var st = switch (s.status()) {
        case StageResult.SUCCEEDED -> dev.lakeml.observe.StageResult.Status.SUCCEEDED;
        case "failed" -> dev.lakeml.observe.StageResult.Status.FAILED;
        default -> dev.lakeml.observe.StageResult.Status.SKIPPED;
      };
      b.addStage(new dev.lakeml.observe.StageResult(s.stage(), at, d, st, 0, rowsOut, tables));
      at = at.plus(d);
    }
    if (lakehouse.exists(QualityLedger.TABLE)) {
      for (Row r : lakehouse.read(QualityLedger.TABLE).filter(col("run_id").equalTo(runId).and(col("rule").notEqual(QualityLedger.METRIC))).collectAsList()) {
        b.addQualityResult(
            new QualityResult(
                r.getAs("table_name"),
                Math.max(0, r.<Long>getAs("source_version")),
                r.getAs("check_name"),
                "fail".equals(r.getAs("action")) ? QualityResult.Level.ERROR : QualityResult.Level.WARN,
                r.<Boolean>getAs("passed") ? QualityResult.Status.PASS : QualityResult.Status.FAIL,
                r.getAs("metric"),
                r.getAs("message")));
      }
    }
    QualityOverview.addTo(b, lakehouse, spec, runId);
    new ModelRegistry(lakehouse)
        .latest(spec.model().name())
        .ifPresent(m -> b.model(m.name() + " v" + m.version(), m.metrics()));
    for (var m : new ModelRegistry(lakehouse).versions(spec.model().name())) {
      Double auc = m.metrics().get("auc");
      if (auc != null) {
        b.addHistory(new MetricPoint("model AUC by version", "v" + m.version(), auc));
      }
      Double rmse = m.metrics().get("rmse");
      if (rmse != null) {
        b.addHistory(new MetricPoint("model RMSE by version", "v" + m.version(), rmse));
      }
    }
    if (lakehouse.exists(RunLedger.TABLE)) {
      List<Row> runs =
          lakehouse.read(RunLedger.TABLE)
              .filter(col("pipeline").equalTo(spec.name()).and(col("ended_at").isNotNull())) // interrupted runs have no end
              .selectExpr("run_id", "CAST(unix_timestamp(ended_at) - unix_timestamp(started_at) AS DOUBLE) AS secs")
              .orderBy(col("run_id").desc())
              .limit(20)
              .collectAsList();
      for (int i = runs.size() - 1; i >= 0; i--) {
        b.addHistory(new MetricPoint("run duration (s)", runs.get(i).getString(0).substring(0, Math.min(16, runs.get(i).getString(0).length())), runs.get(i).getDouble(1)));
      }
    }
    TableId drift = TableId.of(Layer.OPS, "feature_drift");
    if (lakehouse.exists(drift)) {
      addDrift(lakehouse, drift, runId, b);
    }
    return b.build();
  }

  private static void addDrift(Lakehouse lakehouse, TableId drift, String runId, RunSummary.Builder b) {
    var df = lakehouse.read(drift);
    List<String> cols = List.of(df.columns());
    if (!cols.containsAll(List.of("run_id", "feature", "metric", "value", "status"))) {
      return;
    }
    for (Row r : df.filter(col("run_id").equalTo(runId)).select("feature", "metric", "value", "status").collectAsList()) {
      String s = String.valueOf(r.get(3)).toUpperCase();
      var status = s.startsWith("ALARM") ? dev.lakeml.observe.DriftValue.Status.ALARM : s.startsWith("WARN") ? dev.lakeml.observe.DriftValue.Status.WARN : dev.lakeml.observe.DriftValue.Status.OK;
      if (!r.isNullAt(2)) {
        b.addDrift(new dev.lakeml.observe.DriftValue(r.getString(0), r.getString(1), ((Number) r.get(2)).doubleValue(), status));
      }
    }
  }

  /** Writes the HTML report; local roots keep reports under {@code <root>/_reports}, others in the temp dir. */
  static Path writeReport(Settings settings, RunSummary summary) throws IOException {
    String root = settings.root();
    Path dir =
        root.contains("://") && !root.startsWith("file:")
            ? Path.of(System.getProperty("java.io.tmpdir"), "lakeml-reports")
            : Path.of(root.replaceFirst("^file:", "")).resolve("_reports");
    return RunReport.write(summary, dir.resolve(summary.runId() + ".html"));
  }

  static PushResult push(Settings settings, RunSummary summary) {
    return new PrometheusPusher(settings.pushgateway(), "lakeml").push(summary);
  }

  static Map<String, Object> describe(PushResult r) {
    return Map.of("gateway", r.gateway(), "pushed", r.pushed());
  }
}
