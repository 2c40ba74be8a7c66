package dev.lakeml.catalog;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.StageResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Views for the questions analysts ask most, created (or replaced) at every session start when the
 * tables they read exist. They read the latest version of their tables; for a past state query the
 * tables themselves with {@code VERSION AS OF}.
 */
public final class CuratedViews {
  /** A view: its name, the tables it needs, its comment and its query. */
  public record View(TableId name, List<TableId> reads, String comment, String query) {}

  private CuratedViews() {}

  /** The views of {@code spec}'s pipeline. */
  public static List<View> of(PipelineSpec spec) {
    TableId predictions = TableId.of(Layer.GOLD, spec.score().table());
    TableId registry = TableId.of(Layer.OPS, "model_registry");
    TableId quality = TableId.of(Layer.OPS, "quality_results");
    TableId runs = TableId.of(Layer.OPS, "runs");
    TableId drift = TableId.of(Layer.OPS, "feature_drift");
    String key = spec.silver().key();
    List<View> views = new ArrayList<>();
    views.add(
        new View(
            TableId.of(Layer.GOLD, "latest_predictions"),
            List.of(predictions),
            "Latest prediction per flight: the row of the newest model version that scored it (newest scoring run on ties).",
            """
            SELECT latest.* FROM (
              SELECT max_by(struct(*), struct(model_version, run_id)) AS latest FROM %2$s GROUP BY %1$s)"""
                .formatted(key, predictions)));
    views.add(
        new View(
            TableId.of(Layer.OPS, "model_leaderboard"),
            List.of(registry),
            "Model versions ranked by AUC on their evaluation window (rank 1 = best), with the data they were trained on.",
            """
            SELECT model_name, version, estimator,
              rank() OVER (PARTITION BY model_name ORDER BY metrics['auc'] DESC NULLS LAST) AS auc_rank,
              metrics['auc'] AS auc, metrics['pr_auc'] AS pr_auc, metrics['log_loss'] AS log_loss,
              version = max(version) OVER (PARTITION BY model_name) AS is_newest,
              training_table, training_table_version, train_window, evaluate_window, created_at, run_id
            FROM %s"""
                .formatted(registry)));
    views.add(
        new View(
            TableId.of(Layer.OPS, "quality_status"),
            List.of(quality),
            "Quality status per table from its latest checked run: failed (a fail-action check failed), warning, or passed.",
            """
            SELECT table_name, run_id, source_version, checked_at, accepted,
              CASE WHEN failed_errors > 0 THEN 'failed' WHEN failed_warnings > 0 THEN 'warning' ELSE 'passed' END AS status,
              checks, failed_errors, failed_warnings, failed_checks
            FROM (
              SELECT table_name, run_id, max(source_version) AS source_version, max(checked_at) AS checked_at, bool_and(accepted) AS accepted,
                count(*) AS checks,
                count_if(NOT passed AND action = 'fail') AS failed_errors,
                count_if(NOT passed AND action <> 'fail') AS failed_warnings,
                array_sort(collect_list(CASE WHEN NOT passed THEN check_name END)) AS failed_checks,
                row_number() OVER (PARTITION BY table_name ORDER BY max(checked_at) DESC, run_id DESC) AS rank_
              FROM %s WHERE rule <> 'metric' GROUP BY table_name, run_id)
            WHERE rank_ = 1"""
                .formatted(quality)));
    views.add(
        new View(
            TableId.of(Layer.OPS, "run_summary"),
            List.of(runs),
            "One row per run, newest first when ordered by started_at: status, duration, stages that did work and stages that were up to date, tables written.",
            """
            SELECT run_id, command, pipeline, env, status, started_at, ended_at,
              round(unix_millis(ended_at) / 1000.0 - unix_millis(started_at) / 1000.0, 1) AS seconds,
              size(filter(stages, s -> s.status = '%2$s')) AS stages_succeeded,
              size(filter(stages, s -> s.status = '%3$s')) AS stages_skipped,
              tables_written, error, code_version
            FROM %1$s"""
                .formatted(runs, StageResult.SUCCEEDED, StageResult.SKIPPED)));
    views.add(
        new View(
            TableId.of(Layer.OPS, "feature_drift_over_time"),
            List.of(drift),
            "Drift per feature and metric over time (from ops.feature_drift); created only when that table exists.",
            "SELECT * FROM %s".formatted(drift)));
    return views;
  }

  /** Creates or replaces every view whose tables exist; returns the views created. */
  public static List<TableId> create(Lakehouse lakehouse, PipelineSpec spec) {
    List<TableId> created = new ArrayList<>();
    for (View v : of(spec)) {
      if (!v.reads().stream().allMatch(lakehouse::exists)) {
        continue;
      }
      lakehouse
          .spark()
          .sql(
              "CREATE OR REPLACE VIEW " + v.name() + " COMMENT '" + v.comment().replace("'", "\\'") + "' TBLPROPERTIES ('"
                  + TableDoc.OWNER + "' = '" + spec.owner().replace("'", "\\'") + "') AS " + v.query());
      created.add(v.name());
    }
    return created;
  }

  /** Drops the views (tests use it so a fresh lakehouse can drop its tables by name). */
  public static void drop(Lakehouse lakehouse, PipelineSpec spec) {
    for (View v : of(spec)) {
      lakehouse.spark().sql("DROP VIEW IF EXISTS " + v.name());
    }
  }
}
