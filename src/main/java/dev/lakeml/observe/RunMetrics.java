package dev.lakeml.observe;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Prometheus gauges that describe one run. Each run gets its own registry: the Pushgateway
 * keeps the last push per pipeline, so these are "state of the last run" gauges, not counters.
 */
final class RunMetrics {
  private RunMetrics() {}

  static PrometheusRegistry registryFor(RunSummary run) {
    PrometheusRegistry registry = new PrometheusRegistry();

    gauge(registry, "lakeml_run_duration_seconds", "Wall-clock duration of the last run.")
        .set(seconds(run.duration().toNanos()));
    gauge(registry, "lakeml_run_success", "1 if the last run succeeded, 0 if it failed.")
        .set(run.succeeded() ? 1 : 0);
    gauge(registry, "lakeml_run_timestamp_seconds", "When the last run ended, in Unix seconds.")
        .set(run.endedAt().toEpochMilli() / 1000.0);

    Gauge stageDuration =
        gauge(registry, "lakeml_stage_duration_seconds", "Duration of each stage.", "stage");
    for (StageResult stage : run.stages()) {
      stageDuration.labelValues(stage.name()).set(seconds(stage.duration().toNanos()));
    }

    // A table written by several stages is reported at its last written version.
    Map<String, TableVersion> tables = new LinkedHashMap<>();
    run.stages().forEach(stage -> stage.tablesWritten().forEach(t -> tables.put(t.name(), t)));
    Gauge tableRows =
        gauge(registry, "lakeml_table_rows", "Rows in each table the run wrote.", "table");
    Gauge tableVersion =
        gauge(registry, "lakeml_table_version", "Delta version the run wrote, per table.", "table");
    for (TableVersion table : tables.values()) {
      tableRows.labelValues(table.name()).set(table.rows());
      tableVersion.labelValues(table.name()).set(table.version());
    }

    Map<String, int[]> checksByTable = new LinkedHashMap<>(); // table -> {failed, total}
    for (QualityResult result : run.qualityResults()) {
      int[] counts = checksByTable.computeIfAbsent(result.table(), t -> new int[2]);
      counts[0] += result.failed() ? 1 : 0;
      counts[1] += 1;
    }
    Gauge failed =
        gauge(
            registry,
            "lakeml_quality_checks_failed",
            "Data quality checks that failed (warn and error level), per table.",
            "table");
    Gauge passRatio =
        gauge(
            registry,
            "lakeml_quality_checks_pass_ratio",
            "Share of data quality checks that passed, per table (0 to 1).",
            "table");
    checksByTable.forEach(
        (table, counts) -> {
          failed.labelValues(table).set(counts[0]);
          passRatio.labelValues(table).set((counts[1] - counts[0]) / (double) counts[1]);
        });

    Gauge modelMetric =
        gauge(registry, "lakeml_model_metric", "Model evaluation metrics of the run.", "metric");
    run.modelMetrics().forEach((name, value) -> modelMetric.labelValues(name).set(value));
    if (run.modelVersion() != null) {
      Info model =
          Info.builder()
              .name("lakeml_model")
              .help("The model version the run's model metrics are about.")
              .labelNames("version")
              .register(registry);
      model.setLabelValues(run.modelVersion());
    }

    Gauge drift =
        gauge(
            registry,
            "lakeml_feature_drift",
            "Drift of each feature from its reference, per drift metric.",
            "feature",
            "metric");
    for (DriftValue value : run.drift()) {
      drift.labelValues(value.feature(), value.metric()).set(value.value());
    }
    return registry;
  }

  private static Gauge gauge(
      PrometheusRegistry registry, String name, String help, String... labelNames) {
    return Gauge.builder().name(name).help(help).labelNames(labelNames).register(registry);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
