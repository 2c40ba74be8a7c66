package dev.lakeml.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one pipeline run once it has ended: what ran, how long, what it wrote, how
 * the data quality checks went, the model's metrics and the features' drift.
 *
 * <p>Immutable: lists and the metrics map are copied, and keep the order they were given in (the
 * report shows them in that order). Build one with {@link #builder(String, String, String)}, or
 * with the canonical constructor.
 *
 * @param runId the run's id, unique per pipeline
 * @param pipeline the named pipeline that ran, e.g. {@code flights}
 * @param command the command that started the run, e.g. {@code run} or {@code train}
 * @param startedAt when the run started
 * @param endedAt when the run ended; not before {@code startedAt}
 * @param status how the run ended
 * @param errorSummary for a failed run, the error a person should read first; otherwise {@code
 *     null}
 * @param stages the stages, in the order they ran
 * @param qualityResults every data quality check of the run
 * @param modelMetrics model evaluation metrics by name, e.g. {@code auc}, {@code pr_auc}, {@code
 *     log_loss}; empty when the run trained or evaluated no model
 * @param modelVersion the model version the metrics are about, or {@code null}
 * @param drift drift per feature and metric; empty when not monitored
 * @param history points of history series for line charts (see {@link MetricPoint})
 * @param quarantine rows the run sent to quarantine tables, by table and rule
 * @param qualityHistory quality metrics of the tables across their versions (one series per table
 *     and metric, e.g. {@code silver.flights row_count}), drawn in the report's quality section
 */
public record RunSummary(
    String runId,
    String pipeline,
    String command,
    Instant startedAt,
    Instant endedAt,
    Status status,
    String errorSummary,
    List<StageResult> stages,
    List<QualityResult> qualityResults,
    Map<String, Double> modelMetrics,
    String modelVersion,
    List<DriftValue> drift,
    List<MetricPoint> history,
    List<QuarantineCount> quarantine,
    List<MetricPoint> qualityHistory) {

  /** How a run ended. */
  public enum Status {
    SUCCEEDED,
    FAILED
  }

  public RunSummary {
    Checks.notBlank(runId, "run id");
    Checks.notBlank(pipeline, "pipeline of run " + runId);
    Checks.notBlank(command, "command of run " + runId);
    Checks.notNull(startedAt, "start time of run " + runId);
    Checks.notNull(endedAt, "end time of run " + runId);
    if (endedAt.isBefore(startedAt)) {
      throw new IllegalArgumentException(
          "Cannot create run summary: run "
              + runId
              + " ended at "
              + endedAt
              + ", before it started at "
              + startedAt);
    }
    Checks.notNull(status, "status of run " + runId);
    stages = List.copyOf(Checks.notNull(stages, "stages of run " + runId));
    qualityResults = List.copyOf(Checks.notNull(qualityResults, "quality results of run " + runId));
    modelMetrics = copyInOrder(Checks.notNull(modelMetrics, "model metrics of run " + runId));
    drift = List.copyOf(Checks.notNull(drift, "drift values of run " + runId));
    history = List.copyOf(Checks.notNull(history, "history of run " + runId));
    quarantine = List.copyOf(quarantine == null ? List.of() : quarantine);
    qualityHistory = List.copyOf(qualityHistory == null ? List.of() : qualityHistory);
  }

  /** Starts a summary of a run; status defaults to {@link Status#SUCCEEDED}, lists to empty. */
  public static Builder builder(String runId, String pipeline, String command) {
    return new Builder(runId, pipeline, command);
  }

  /** Wall-clock time from start to end. */
  public Duration duration() {
    return Duration.between(startedAt, endedAt);
  }

  /** True when the run succeeded. */
  public boolean succeeded() {
    return status == Status.SUCCEEDED;
  }

  // Map.copyOf would lose the caller's order, which the report shows.
  private static Map<String, Double> copyInOrder(Map<String, Double> metrics) {
    Map<String, Double> copy = new LinkedHashMap<>();
    metrics.forEach(
        (name, value) -> {
          Checks.notBlank(name, "model metric name");
          copy.put(name, Checks.notNull(value, "value of model metric " + name));
        });
    return Collections.unmodifiableMap(copy);
  }

  /** Collects a run's parts as they become known; {@link #build()} validates. */
  public static final class Builder {
    private final String runId;
    private final String pipeline;
    private final String command;
    private Instant startedAt;
    private Instant endedAt;
    private Status status = Status.SUCCEEDED;
    private String errorSummary;
    private final List<StageResult> stages = new ArrayList<>();
    private final List<QualityResult> qualityResults = new ArrayList<>();
    private final Map<String, Double> modelMetrics = new LinkedHashMap<>();
    private String modelVersion;
    private final List<DriftValue> drift = new ArrayList<>();
    private final List<MetricPoint> history = new ArrayList<>();
    private final List<QuarantineCount> quarantine = new ArrayList<>();
    private final List<MetricPoint> qualityHistory = new ArrayList<>();

    private Builder(String runId, String pipeline, String command) {
      this.runId = runId;
      this.pipeline = pipeline;
      this.command = command;
    }

    public Builder startedAt(Instant startedAt) {
      this.startedAt = startedAt;
      return this;
    }

    public Builder endedAt(Instant endedAt) {
      this.endedAt = endedAt;
      return this;
    }

    /** Marks the run succeeded and clears any error summary. */
    public Builder succeeded() {
      this.status = Status.SUCCEEDED;
      this.errorSummary = null;
      return this;
    }

    /** Marks the run failed, with the error a person should read first. */
    public Builder failed(String errorSummary) {
      this.status = Status.FAILED;
      this.errorSummary = errorSummary;
      return this;
    }

    public Builder addStage(StageResult stage) {
      stages.add(stage);
      return this;
    }

    public Builder addQualityResult(QualityResult result) {
      qualityResults.add(result);
      return this;
    }

    public Builder addQualityResults(List<QualityResult> results) {
      qualityResults.addAll(results);
      return this;
    }

    /** Sets the model version and its metrics (replacing earlier ones), in the order given. */
    public Builder model(String version, Map<String, Double> metrics) {
      this.modelVersion = version;
      this.modelMetrics.clear();
      this.modelMetrics.putAll(metrics);
      return this;
    }

    public Builder addDrift(DriftValue value) {
      drift.add(value);
      return this;
    }

    public Builder addHistory(MetricPoint point) {
      history.add(point);
      return this;
    }

    public Builder addHistory(String series, String label, double value) {
      return addHistory(new MetricPoint(series, label, value));
    }

    public Builder addQuarantineCount(QuarantineCount count) {
      quarantine.add(count);
      return this;
    }

    /** A point of a quality series across table versions (see {@link RunSummary#qualityHistory()}). */
    public Builder addQualityHistory(MetricPoint point) {
      qualityHistory.add(point);
      return this;
    }

    public RunSummary build() {
      return new RunSummary(
          runId,
          pipeline,
          command,
          startedAt,
          endedAt,
          status,
          errorSummary,
          stages,
          qualityResults,
          modelMetrics,
          modelVersion,
          drift,
          history,
          quarantine,
          qualityHistory);
    }
  }
}
