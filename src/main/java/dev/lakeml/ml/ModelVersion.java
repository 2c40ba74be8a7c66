package dev.lakeml.ml;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One registered model version and everything needed to trace or reproduce it. */
public record ModelVersion(
    String name,
    int version,
    String pipeline,
    String estimator,
    String path,
    String trainingTable,
    long trainingTableVersion,
    Map<String, String> params,
    Map<String, Double> metrics,
    List<String> featureNames,
    String trainWindow,
    String evaluateWindow,
    String specHash,
    String codeVersion,
    String sparkVersion,
    String deltaVersion,
    String runId,
    Instant createdAt,
    Map<String, Double> importances) {

  /** The evaluation window as [from, before) dates, parsed from {@link #evaluateWindow()}. */
  public String[] evaluateRange() {
    String[] parts = evaluateWindow.replace("[", "").replace(")", "").split(",\\s*");
    return new String[] {parts[0].trim(), parts[1].trim()};
  }
}
