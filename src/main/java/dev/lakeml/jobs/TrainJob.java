package dev.lakeml.jobs;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.ml.AliasState;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.monitor.ReferenceBins;
import dev.lakeml.monitor.ReferenceStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.Trainer;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
    String specHash = specHash(ctx.spec());
    ModelRegistry registry = new ModelRegistry(ctx.lakehouse());
    Optional<ModelVersion> existing = registry.find(spec.name(), specHash, gold.toString(), goldVersion);
    String unchanged = null;
    if (existing.isEmpty() && !ctx.flag("force")) {
      // A newer gold version whose changes all lie outside the model's windows holds the rows it
      // was trained and evaluated on: the same fit again would give the same model.
      Optional<ModelVersion> prior = registry.newestOn(spec.name(), specHash, gold.toString(), goldVersion);
      Optional<String> outside = prior.flatMap(p -> changedOnlyOutside(ctx.lakehouse(), gold, p, goldVersion, spec));
      if (outside.isPresent()) {
        existing = prior;
        unchanged = outside.get();
      }
    }
    if (existing.isPresent() && !ctx.flag("force")) {
      ModelVersion v = existing.get();
      // A run killed after the registry commit left the version without its reference bins or its
      // alias event: finish what it started (both commits are idempotent per model version).
      if (new ReferenceStore(ctx.lakehouse()).load(v.name(), v.version()).isEmpty()) {
        Dataset<Row> data = ctx.lakehouse().read(gold, goldVersion); // the same rows in its windows
        Dataset<Row> scored = registry.load(v).transform(Trainer.evaluationRows(data, ctx.spec().gold().label(), spec)).persist();
        try {
          saveReferenceBins(ctx, data, predictionBins(ctx, scored), v, Map.of());
        } finally {
          scored.unpersist();
        }
      }
      if (!new ModelAliases(ctx.lakehouse()).recorded(spec.name(), v.version())) {
        new ModelAliases(ctx.lakehouse()).afterTraining(spec.name(), v.version(), ctx.runId());
      }
      String why =
          unchanged == null
              ? String.format("already trained on %s v%d", gold, goldVersion)
              : String.format("up to date: trained on %s v%d; v%d changed %s, outside its windows [%s, %s)",
                  gold, v.trainingTableVersion(), goldVersion, unchanged, windowFrom(spec), windowBefore(spec));
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(),
          String.format("%s v%d %s (%s)", v.name(), v.version(), why, headline(spec, v.metrics())));
    }
    Dataset<Row> data = ctx.lakehouse().read(gold, goldVersion);
    // The prediction's bins, from the evaluation window train scores anyway.
    AtomicReference<ReferenceBins> prediction = new AtomicReference<>();
    // The inputs' cut points for drift come from the training pass's digests (no pass of their own).
    double[] levels = ReferenceBins.levels(ctx.spec().monitor().bins());
    Trainer.Trained trained = Trainer.train(data, ctx.spec().gold().label(), spec, levels, holdOut -> prediction.set(predictionBins(ctx, holdOut)));
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
    saveReferenceBins(ctx, data, prediction.get(), v, trained.trainingQuantiles());
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

  /** What identifies a model's training inputs besides the table version: its model spec and label. */
  static String specHash(PipelineSpec pipeline) {
    return JobContext.hash(pipeline.model() + "|" + pipeline.gold().label());
  }

  /** The first day of the rows a model of {@code spec} reads: its training or evaluation window, whichever starts first. */
  private static java.time.LocalDate windowFrom(PipelineSpec.Model spec) {
    return spec.trainFrom().isBefore(spec.evaluateFrom()) ? spec.trainFrom() : spec.evaluateFrom();
  }

  /** The day after the last it reads. */
  private static java.time.LocalDate windowBefore(PipelineSpec.Model spec) {
    return spec.trainBefore().isAfter(spec.evaluateBefore()) ? spec.trainBefore() : spec.evaluateBefore();
  }

  /**
   * The event dates {@code gold}'s commits since {@code prior} was trained changed (e.g.
   * "rows dated 2001-06-30..2001-07-29"), when they all lie outside the model's windows; empty when a
   * commit may have changed a row inside them, or when the log cannot tell. Only the in-place
   * rebuilds of {@code features} say which days they replaced ({@link FeaturesJob#REBUILT_FROM});
   * any other commit that changed rows (a full rebuild, an analyst's DELETE) counts as inside.
   * The version the model was trained on must be in this log from before the model was registered,
   * not a table of the same name created since.
   */
  static Optional<String> changedOnlyOutside(Lakehouse lakehouse, TableId gold, ModelVersion prior, long goldVersion, PipelineSpec.Model spec) {
    java.time.LocalDate from = windowFrom(spec), before = windowBefore(spec);
    return FeaturesJob.rebuiltSince(lakehouse, gold, prior.trainingTableVersion(), prior.createdAt(), goldVersion)
        .filter(rebuilt -> rebuilt.stream().noneMatch(r -> r.overlaps(from, before)))
        .map(rebuilt -> FeaturesJob.Rebuilt.span(rebuilt).map(s -> "only rows dated " + s.first() + ".." + s.last()).orElse("no rows"));
  }

  /**
   * Stores the reference bins drift monitoring compares each scored batch with: every input's on the
   * training window of {@code gold} (what the model learned from), and {@code prediction}, the
   * prediction's on the evaluation window (out of sample, as every scored batch is).
   */
  private static void saveReferenceBins(JobContext ctx, Dataset<Row> gold, ReferenceBins prediction, ModelVersion v, Map<String, double[]> quantiles) {
    PipelineSpec.Model spec = ctx.spec().model();
    List<Column> keep = new ArrayList<>();
    spec.numeric().forEach(c -> keep.add(functions.col(c)));
    spec.categorical().forEach(c -> keep.add(functions.col(c)));
    // Not cached: its passes each read the window's columns from the table, which costs less than
    // building a cache of them first (the 2M-row window at 3M, warm: 5.4-6.1 s for three passes,
    // against 7.3-8.7 s for a cache and the earlier passes over it). With the numeric inputs'
    // quantiles from training, two passes are left: the top categories and the slot counts.
    Dataset<Row> inputs = Trainer.window(gold, spec.trainFrom().toString(), spec.trainBefore().toString()).select(keep.toArray(new Column[0]));
    List<ReferenceBins> bins =
        new ArrayList<>(
            ReferenceBins.inputs(inputs, spec.numeric(), spec.categorical(), ctx.spec().monitor().bins(), ctx.spec().monitor().topCategories(), quantiles));
    bins.add(prediction);
    new ReferenceStore(ctx.lakehouse()).save(v.name(), v.version(), v.trainWindow(), v.evaluateWindow(), bins, ctx.runId());
  }

  /** The prediction's bins on {@code scored} (cached): a classifier's probability of the positive class, a regressor's value. */
  private static ReferenceBins predictionBins(JobContext ctx, Dataset<Row> scored) {
    Column predicted =
        ctx.spec().model().task() == PipelineSpec.Task.REGRESSION
            ? functions.col(dev.lakeml.ml.Regression.PREDICTION)
            : Trainer.positiveProbability();
    return ReferenceBins.prediction(scored.select(predicted.as(ReferenceBins.PREDICTION_COLUMN)), ctx.spec().monitor().bins());
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
