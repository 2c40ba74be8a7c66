package dev.lakeml.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Run summaries built in code, shaped like a real flights pipeline run. */
final class SampleRuns {
  static final Instant START = Instant.parse("2025-03-14T06:00:00Z");

  private SampleRuns() {}

  /** A succeeded six-stage run with quality results, model metrics, drift and history. */
  static RunSummary flights() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("auc", 0.8123);
    metrics.put("pr_auc", 0.4567);
    metrics.put("log_loss", 0.3912);
    RunSummary.Builder run =
        RunSummary.builder("run-20250314-0600", "flights", "run")
            .startedAt(START)
            .endedAt(START.plusSeconds(222).plusMillis(500))
            .addStage(
                stage("ingest", 0, 20.25, 0, 3_000_000, table("bronze.flights", 12, 3_000_000)))
            .addStage(
                stage(
                    "refine",
                    21,
                    19.5,
                    3_000_000,
                    2_950_000,
                    table("silver.flights", 8, 2_950_000)))
            .addStage(
                stage(
                    "features",
                    41,
                    24.0,
                    2_950_000,
                    2_950_000,
                    table("gold.flight_features", 5, 2_950_000)))
            .addStage(stage("train", 66, 120.0, 2_950_000, 1))
            .addStage(
                stage(
                    "score", 187, 13.0, 250_000, 250_000, table("gold.flight_scores", 3, 250_000)))
            .addStage(stage("monitor", 201, 21.5, 250_000, 40, table("ops.drift", 30, 40)))
            .addQualityResult(
                quality(
                    "silver.flights", 8, "dep_delay_complete", QualityResult.Status.PASS, 0.998))
            .addQualityResult(
                quality("silver.flights", 8, "flight_id_unique", QualityResult.Status.PASS, 1.0))
            .addQualityResult(
                new QualityResult(
                    "silver.flights",
                    8,
                    "distance_positive",
                    QualityResult.Level.WARN,
                    QualityResult.Status.FAIL,
                    0.97,
                    "3% of rows have distance <= 0"))
            .addQualityResult(
                quality("gold.flight_features", 5, "label_in_0_1", QualityResult.Status.PASS, null))
            .model("flights-gbt-7", metrics)
            .addDrift(new DriftValue("dep_hour", "psi", 0.04, DriftValue.Status.OK))
            .addDrift(new DriftValue("distance", "psi", 0.12, DriftValue.Status.WARN))
            .addDrift(new DriftValue("carrier", "psi", 0.31, DriftValue.Status.ALARM))
            .addDrift(new DriftValue("dep_hour", "js", 0.02, DriftValue.Status.OK))
            .addDrift(new DriftValue("carrier", "js", 0.09, DriftValue.Status.WARN));
    double[] auc = {0.79, 0.801, 0.805, 0.798, 0.8123};
    for (int i = 0; i < auc.length; i++) {
      run.addHistory("auc", "v" + (3 + i), auc[i]);
    }
    long[] rows = {2_700_000, 2_780_000, 2_850_000, 2_900_000, 2_950_000};
    for (int i = 0; i < rows.length; i++) {
      run.addHistory("silver.flights rows", String.valueOf(4 + i), rows[i]);
    }
    return run.build();
  }

  static StageResult stage(
      String name, long startOffsetSeconds, double seconds, long in, long out, TableVersion... t) {
    return new StageResult(
        name,
        START.plusSeconds(startOffsetSeconds),
        Duration.ofMillis(Math.round(seconds * 1000)),
        StageResult.Status.SUCCEEDED,
        in,
        out,
        List.of(t));
  }

  static TableVersion table(String name, long version, long rows) {
    return new TableVersion(name, version, rows);
  }

  static QualityResult quality(
      String table, long version, String check, QualityResult.Status status, Double value) {
    return new QualityResult(table, version, check, QualityResult.Level.ERROR, status, value, "");
  }
}
