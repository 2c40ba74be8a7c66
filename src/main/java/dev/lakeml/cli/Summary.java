package dev.lakeml.cli;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import java.io.PrintStream;
import java.util.List;

/** The end-of-run summary: rows and versions per table, the model, and where to look next. */
final class Summary {
  /** Row counts run at once for the summary's table list. */
  private static final int COUNTS_AT_ONCE = 4;

  private Summary() {}

  static void print(Lakehouse lakehouse, PipelineSpec spec, List<StageResult> results, String runId, PrintStream out) {
    double total = results.stream().mapToDouble(StageResult::seconds).sum();
    out.println();
    out.printf("Run %s finished in %.1fs. Tables (rows @ latest version):%n", runId, total);
    // By path: registering them would cost a catalog round per table. Each count is a small query
    // (Delta answers it from the files' statistics), so they run a few at a time, printed in order.
    List<TableId> tables = lakehouse.tables();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(COUNTS_AT_ONCE);
    try {
      List<java.util.concurrent.Future<String>> lines = new java.util.ArrayList<>();
      for (TableId t : tables) {
        lines.add(pool.submit(() -> {
          long v = lakehouse.latestVersion(t);
          return String.format("  %-34s %,10d rows  v%d%n", t, lakehouse.read(t, v).count(), v);
        }));
      }
      for (java.util.concurrent.Future<String> line : lines) {
        out.print(line.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting the tables' rows", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
    ModelRegistry registry = new ModelRegistry(lakehouse);
    Integer champion = new dev.lakeml.ml.ModelAliases(lakehouse).current(spec.model().name()).champion();
    (champion != null ? java.util.Optional.of(registry.get(spec.model().name(), champion)) : registry.latest(spec.model().name()))
        .ifPresent(
            (ModelVersion m) ->
                out.printf(
                    "Champion model %s v%d (%s), trained on %s v%d: %s on %s%n",
                    m.name(), m.version(), m.estimator(), m.trainingTable(), m.trainingTableVersion(),
                    spec.model().task() == dev.lakeml.config.PipelineSpec.Task.REGRESSION
                        ? dev.lakeml.jobs.TrainJob.headline(spec.model(), m.metrics()).toUpperCase().replace(" N/A", " n/a")
                        : String.format("AUC %.3f, PR-AUC %.3f, log-loss %.3f", m.metrics().get("auc"), m.metrics().get("pr_auc"), m.metrics().get("log_loss")),
                    m.evaluateWindow()));
    String preds = "gold." + spec.score().table();
    out.println("Next:");
    out.println("  ./scripts/lakeml sql \"SHOW TABLES IN gold\"");
    String avg = spec.model().task() == dev.lakeml.config.PipelineSpec.Task.REGRESSION ? "avg(prediction)" : "avg(probability)";
    out.println("  ./scripts/lakeml sql \"SELECT model_version, count(*), " + avg + " FROM " + preds + " GROUP BY model_version\"");
    out.println("  ./scripts/lakeml history silver." + spec.silver().table());
    out.println("  ./scripts/lakeml sql \"SELECT * FROM ops.runs ORDER BY started_at DESC\" --limit 5");
  }
}
