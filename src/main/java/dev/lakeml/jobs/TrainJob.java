package dev.lakeml.jobs;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.TableId;
import dev.lakeml.ml.AliasState;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.monitor.ReferenceBins;
import dev.lakeml.monitor.ReferenceStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.Trainer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains the spec's model on a pinned version of the gold feature table and registers it with that
 * version. Training again on the same table version with the same spec reuses the registered model.
 */
public final class TrainJob implements Job {
  @Override
  public String name() {
    return "train";
  }

  @Override
  public String usage() {
    return "train                   gold -> a registered model version (time-ordered split)";
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec.Model spec = ctx.spec().model();
    TableId gold = ctx.gold(ctx.spec().gold().table());
    long goldVersion = ctx.lakehouse().latestVersion(gold);
    String specHash = JobContext.hash(spec + "|" + ctx.spec().gold().label());
    ModelRegistry registry = new ModelRegistry(ctx.lakehouse());
    Optional<ModelVersion> existing = registry.find(spec.name(), specHash, gold.toString(), goldVersion);
    if (existing.isPresent() && !ctx.flag("force")) {
      ModelVersion v = existing.get();
      // A run killed after the registry commit left the version without its reference bins or its
      // alias event: finish what it started (both commits are idempotent per model version).
      if (new ReferenceStore(ctx.lakehouse()).load(v.name(), v.version()).isEmpty()) {
        Dataset<Row> data = ctx.lakehouse().read(gold, goldVersion);
        saveReferenceBins(ctx, registry.load(v), Trainer.window(data, spec.trainFrom().toString(), spec.trainBefore().toString()), v);
      }
      if (!new ModelAliases(ctx.lakehouse()).recorded(spec.name(), v.version())) {
        new ModelAliases(ctx.lakehouse()).afterTraining(spec.name(), v.version(), ctx.runId());
      }
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(),
          String.format("%s v%d already trained on %s v%d (%s)", v.name(), v.version(), gold, goldVersion, headline(spec, v.metrics())));
    }
    Dataset<Row> data = ctx.lakehouse().read(gold, goldVersion);
    Trainer.Trained trained = Trainer.train(data, ctx.spec().gold().label(), spec);
    int version = registry.nextVersion(spec.name());
    ModelVersion v =
        registry.register(
            trained.model(),
            new ModelVersion(
                spec.name(),
                version,
                ctx.spec().name(),
                spec.estimator().name().toLowerCase(),
                registry.modelPath(spec.name(), version),
                gold.toString(),
                goldVersion,
                trained.params(),
                trained.metrics(),
                trained.featureNames(),
                "[" + spec.trainFrom() + ", " + spec.trainBefore() + ")",
                "[" + spec.evaluateFrom() + ", " + spec.evaluateBefore() + ")",
                specHash,
                System.getProperty("lakeml.code.version", "unknown"),
                ctx.lakehouse().spark().version(),
                deltaVersion(),
                ctx.runId(),
                Instant.now(),
                trained.importances()));
    saveReferenceBins(ctx, trained.model(), Trainer.window(data, spec.trainFrom().toString(), spec.trainBefore().toString()), v);
    AliasState aliases = new ModelAliases(ctx.lakehouse()).afterTraining(spec.name(), v.version(), ctx.runId());
    long registryVersion = ctx.lakehouse().latestVersion(ModelRegistry.TABLE);
    Map<String, Double> m = v.metrics();
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        Map.of(ModelRegistry.TABLE.toString(), registryVersion),
        Map.of(),
        String.format(
            "%s v%d (%s) on %s v%d: %s on %s; now %s",
            v.name(), v.version(), v.estimator(), gold, goldVersion, headline(spec, m), v.evaluateWindow(),
            aliases.action().equals(ModelAliases.FIRST_CHAMPION) ? "champion (first version)" : "challenger (./scripts/lakeml promote runs the gate)"));
  }

  /** The training window's distribution of every input and of the prediction, stored with the version for drift monitoring. */
  private static void saveReferenceBins(JobContext ctx, PipelineModel model, Dataset<Row> trainWindow, ModelVersion v) {
    PipelineSpec.Model spec = ctx.spec().model();
    List<Column> keep = new ArrayList<>();
    spec.numeric().forEach(c -> keep.add(functions.col(c)));
    spec.categorical().forEach(c -> keep.add(functions.col(c)));
    Dataset<Row> transformed = model.transform(trainWindow);
    // The prediction's reference: a classifier's probability of the positive class, a regressor's value.
    keep.add(
        spec.task() == PipelineSpec.Task.REGRESSION
            ? functions.col(dev.lakeml.ml.Regression.PREDICTION).as(ReferenceBins.PREDICTION_COLUMN)
            : org.apache.spark.ml.functions.vector_to_array(functions.col(Trainer.PROBABILITY), "float64").getItem(1).as(ReferenceBins.PREDICTION_COLUMN));
    Dataset<Row> scored = transformed.select(keep.toArray(new Column[0])).persist();
    try {
      List<ReferenceBins> bins = ReferenceBins.compute(scored, spec.numeric(), spec.categorical(), ctx.spec().monitor().bins(), ctx.spec().monitor().topCategories());
      new ReferenceStore(ctx.lakehouse()).save(v.name(), v.version(), v.trainWindow(), bins, ctx.runId());
    } finally {
      scored.unpersist();
    }
  }

  /** The evaluation metrics of the model's task, e.g. "auc 0.598, pr_auc 0.205, log_loss 0.458". */
  public static String headline(PipelineSpec.Model spec, Map<String, Double> m) {
    List<String> names = spec.task() == PipelineSpec.Task.REGRESSION ? List.of("rmse", "mae", "r2") : List.of("auc", "pr_auc", "log_loss");
    List<String> parts = new ArrayList<>();
    for (String n : names) {
      Double v = m.get(n);
      parts.add(n + " " + (v == null ? "n/a" : String.format("%.3f", v)));
    }
    return String.join(", ", parts);
  }

  static String deltaVersion() {
    String v = io.delta.tables.DeltaTable.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }
}
