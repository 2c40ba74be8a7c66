package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.TableId;
import dev.lakeml.monitor.FeatureDrift;
import dev.lakeml.monitor.MonitorLedger;
import dev.lakeml.monitor.RealizedPerformance;
import dev.lakeml.monitor.ReferenceBins;
import dev.lakeml.monitor.ReferenceStore;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Measures a scoring run (default: the newest) against its model's reference bins: PSI per numeric
 * input and for the prediction, Jensen-Shannon per categorical, and realized performance on the rows
 * whose labels the newest feature-table version holds. Every value goes to {@code ops.feature_drift}
 * and {@code ops.model_performance}, alarms or not.
 */
public final class MonitorJob implements Job {
  @Override
  public String name() {
    return "monitor";
  }

  @Override
  public String usage() {
    return "monitor                 predictions -> ops.feature_drift (PSI, JS) + ops.model_performance (AUC, calibration) [--scoring-run R --labels-before D]";
  }

  @Override
  public Set<String> options() {
    return Set.of("scoring-run", "labels-before");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    TableId predictions = ctx.gold(ctx.spec().score().table());
    String key = ctx.spec().silver().key();
    String label = ctx.spec().gold().label();
    Optional<Map<String, Object>> info =
        ctx.flag("scoring-run")
            ? Optional.of(Map.<String, Object>of("run_id", ctx.option("scoring-run", null)))
            : ctx.lakehouse().lastCommitInfo(predictions, "model_version");
    if (info.isEmpty()) {
      return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), "no scoring run to monitor yet");
    }
    String scoringRun = String.valueOf(info.get().get("run_id"));
    long pv = dev.lakeml.ml.Replay.versionWrittenBy(ctx.lakehouse(), predictions, scoringRun);
    Dataset<Row> batch = ctx.lakehouse().read(predictions, pv).filter(col("run_id").equalTo(scoringRun));
    Row lineage = batch.select("model_name", "model_version", "feature_table", "feature_table_version").first();
    TableId features = TableId.parse(lineage.getString(2));
    long featureVersion = lineage.getLong(3);
    long labelVersion = ctx.lakehouse().latestVersion(features);
    MonitorLedger.Batch b = new MonitorLedger.Batch(scoringRun, lineage.getString(0), lineage.getInt(1), features.toString(), featureVersion, labelVersion);
    MonitorLedger ledger = new MonitorLedger(ctx.lakehouse());
    if (ledger.measured(b) && !ctx.flag("force")) {
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), "scoring run " + scoringRun + " already measured against labels of " + features + " v" + labelVersion);
    }
    Optional<String> unchanged = ctx.flag("force") || ctx.flag("labels-before") ? Optional.empty() : labelsUnchanged(ctx, ledger, b, batch);
    if (unchanged.isPresent()) {
      return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), "scoring run " + scoringRun + " already measured: " + unchanged.get());
    }
    List<ReferenceBins> refs = new ReferenceStore(ctx.lakehouse()).load(b.model(), b.modelVersion());
    if (refs.isEmpty()) {
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(),
          b.model() + " v" + b.modelVersion() + " has no reference bins in " + ReferenceStore.TABLE + " (trained before monitoring existed): retrain with ./scripts/lakeml train --force");
    }
    // A classifier's batch holds the probability, a regressor's only the predicted value.
    boolean regression = !List.of(batch.columns()).contains(ReferenceBins.PREDICTION_COLUMN);
    String predicted = regression ? dev.lakeml.ml.Regression.PREDICTION : ReferenceBins.PREDICTION_COLUMN;
    Dataset<Row> scored =
        ctx.lakehouse()
            .read(features, featureVersion)
            .drop(ReferenceBins.PREDICTION_COLUMN)
            .join(batch.select(col(key), col(predicted).as(ReferenceBins.PREDICTION_COLUMN)), key);
    // Labels come from the newest version of the feature table: they arrive after the scoring run.
    Dataset<Row> labelled =
        labelVersion == featureVersion
            ? scored
            : scored.drop(label).join(ctx.lakehouse().read(features, labelVersion).select(key, label), scala.collection.JavaConverters.asScalaBuffer(List.of(key)).toSeq(), "left");
    // --labels-before D: labels of events on or after D have not arrived yet (late ground truth, e.g. in simulate).
    java.time.LocalDate labelsBefore = RetrainJob.dateOption(ctx, "labels-before", null);
    if (labelsBefore != null) {
      labelled =
          labelled.withColumn(
              label,
              org.apache.spark.sql.functions.when(col(dev.lakeml.features.PointInTimeFeatures.EVENT_DATE).lt(org.apache.spark.sql.functions.lit(labelsBefore.toString())), col(label)));
    }
    Dataset<Row> cached = labelled.persist();
    try {
      List<FeatureDrift> drift = FeatureDrift.measure(cached, refs, ctx.spec().monitor());
      long rows = drift.get(0).rows();
      RealizedPerformance perf =
          regression
              ? RealizedPerformance.ofRegression(cached.filter(col(label).isNotNull()), label)
              : RealizedPerformance.of(cached.filter(col(label).isNotNull()), label);
      long[] v = ledger.record(ctx.runId(), b, drift, rows, perf);
      FeatureDrift worst =
          drift.stream().filter(d -> !d.status().equals(FeatureDrift.EXCLUDED)).max(Comparator.comparingDouble(FeatureDrift::value)).orElse(drift.get(0));
      String excluded =
          String.join(", ", drift.stream().filter(d -> d.status().equals(FeatureDrift.EXCLUDED)).map(d -> String.format("%s %s %.3f", d.feature(), d.metric(), d.value())).toList());
      FeatureDrift prediction = drift.stream().filter(d -> d.kind().equals(ReferenceBins.PREDICTION)).findFirst().orElse(worst);
      long alarms = drift.stream().filter(d -> d.status().equals("alarm")).count();
      long warns = drift.stream().filter(d -> d.status().equals("warn")).count();
      return new StageResult(
          name(),
          StageResult.SUCCEEDED,
          RefineJob.secs(t0),
          Map.of(MonitorLedger.DRIFT.toString(), v[0], MonitorLedger.PERFORMANCE.toString(), v[1]),
          Map.of(MonitorLedger.DRIFT.toString(), (long) drift.size()),
          String.format(
              "run %s (%,d rows, %s v%d): %d alarm, %d warn of %d inputs%s; worst %s %s %.3f; prediction psi %.3f; %s on %,d labelled",
              scoringRun, rows, b.model(), b.modelVersion(), alarms, warns, drift.size(), excluded.isEmpty() ? "" : " (not alarming by monitor.exclude: " + excluded + ")",
              worst.feature(), worst.metric(), worst.value(), prediction.value(),
              regression
                  ? String.format("realized rmse %s, mae %s", fmt(perf.rmse()), fmt(perf.mae()))
                  : String.format("realized auc %s, calibration error %.3f", fmt(perf.auc()), perf.calibrationError()),
              perf.labelledRows()));
    } finally {
      cached.unpersist();
    }
  }

  private static String fmt(Double v) {
    return v == null ? "n/a" : String.format("%.3f", v);
  }

  /**
   * Why measuring {@code batch} again would give what its newest measurement gave, or empty: the
   * label table changed since the version that measurement read only by rebuilds of days outside
   * the batch's dates (e.g. a new day after a fixed scoring range), which {@link
   * FeaturesJob#rebuiltSince} tells from the commits; drift reads the scored version, which is fixed.
   * Only when that measurement found every row labelled: one made with {@code --labels-before}, or
   * before some labels arrived, is made again.
   */
  private static Optional<String> labelsUnchanged(JobContext ctx, MonitorLedger ledger, MonitorLedger.Batch b, Dataset<Row> batch) {
    Optional<MonitorLedger.Measured> last = ledger.lastMeasured(b.scoringRunId(), b.featureTable());
    if (last.isEmpty() || last.get().labelTableVersion() >= b.labelTableVersion() || last.get().labelledRows() < last.get().scoredRows()) {
      return Optional.empty();
    }
    TableId labels = TableId.parse(b.featureTable());
    Optional<List<FeaturesJob.Rebuilt>> rebuilt =
        FeaturesJob.rebuiltSince(ctx.lakehouse(), labels, last.get().labelTableVersion(), last.get().at(), b.labelTableVersion());
    if (rebuilt.isEmpty()) {
      return Optional.empty();
    }
    String date = dev.lakeml.features.PointInTimeFeatures.EVENT_DATE;
    Row span = batch.agg(org.apache.spark.sql.functions.min(date), org.apache.spark.sql.functions.max(date)).first();
    if (span.isNullAt(0)) {
      return Optional.empty();
    }
    java.time.LocalDate firstDay = span.getDate(0).toLocalDate(), lastDay = span.getDate(1).toLocalDate();
    if (rebuilt.get().stream().anyMatch(r -> r.overlaps(firstDay, lastDay.plusDays(1)))) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            "%s v%d..v%d changed no row dated %s..%s (the run's days), so its measurement against v%d stands",
            labels, last.get().labelTableVersion(), b.labelTableVersion(), firstDay, lastDay, last.get().labelTableVersion()));
  }
}
