package dev.lakeml.ml;

import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The promotion gate: a challenger becomes champion only if (1) its training data passed quality —
 * no failed error-level check in {@code ops.quality_results} for the table versions it came from — and
 * (2) it beats the champion by the configured margin on the same frozen evaluation data: the
 * challenger's training table at the Delta version it was trained from, restricted to its evaluation
 * window, scored by both models. The decision and its evidence are one commit to {@code ops.model_aliases}.
 */
public final class PromotionGate {
  private final Lakehouse lakehouse;
  private final ModelRegistry registry;
  private final ModelAliases aliases;

  public PromotionGate(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
    this.registry = new ModelRegistry(lakehouse);
    this.aliases = new ModelAliases(lakehouse);
  }

  /** A gate decision: the alias state it left and its evidence. */
  public record Decision(AliasState state, GateEvidence evidence) {}

  /** Judges {@code version} (default: the current challenger) against the champion and records the decision. */
  public Decision promote(String model, Integer version, String label, PipelineSpec.Promotion rule, String runId) {
    AliasState now = aliases.current(model);
    Integer candidate = version != null ? version : now.challenger();
    if (candidate == null) {
      throw new LakemlException(
          "Cannot promote model " + model + ": there is no challenger (champion is v" + now.champion()
              + "). Train a new version first, or name one with --model-version N.");
    }
    if (candidate.equals(now.champion())) {
      throw new LakemlException("Cannot promote model " + model + " v" + candidate + ": it is already the champion.");
    }
    ModelVersion challenger = registry.get(model, candidate);
    ModelVersion champion = now.champion() == null ? null : registry.get(model, now.champion());
    GateEvidence evidence = judge(challenger, champion, label, rule);
    AliasState after =
        evidence.passed()
            ? new AliasState(model, now.seq() + 1, candidate, candidate.equals(now.challenger()) ? null : now.challenger(), now.champion(), ModelAliases.PROMOTED)
            : new AliasState(model, now.seq() + 1, now.champion(), now.challenger(), now.previousChampion(), ModelAliases.REFUSED);
    return new Decision(aliases.record(after, candidate, evidence, runId), evidence);
  }

  /** Scores both models on the challenger's frozen evaluation data and applies the rule. */
  GateEvidence judge(ModelVersion challenger, ModelVersion champion, String label, PipelineSpec.Promotion rule) {
    TableId table = TableId.parse(challenger.trainingTable());
    long version = challenger.trainingTableVersion();
    String[] range = challenger.evaluateRange();
    Dataset<Row> eval =
        Trainer.window(lakehouse.read(table, version), range[0], range[1]).filter(org.apache.spark.sql.functions.col(label).isNotNull()).persist();
    try {
      long rows = eval.count();
      double challengerValue = rows == 0 ? Double.NaN : metric(registry.load(challenger).transform(eval), label, rule.metric());
      Double championValue = champion == null || rows == 0 ? null : metric(registry.load(champion).transform(eval), label, rule.metric());
      TrainingDataQuality.Verdict quality = TrainingDataQuality.of(lakehouse, challenger.trainingTable(), version);
      return GateEvidence.judge(
          rule.metric(), rule.minImprovement(), table.toString(), version, challenger.evaluateWindow(), rows, challengerValue, championValue, quality);
    } finally {
      eval.unpersist();
    }
  }

  static double metric(Dataset<Row> scored, String label, String metric) {
    if (!metric.equals("auc") && !metric.equals("pr_auc")) {
      return Regression.metric(scored, label, metric);
    }
    BinaryMetrics.Metrics m = BinaryMetrics.of(scored, Trainer.positiveProbability(), org.apache.spark.sql.functions.col(label));
    return metric.equals("pr_auc") ? m.prAuc() : m.auc();
  }

  /** The version scoring uses by default: the champion, else the newest registered version. */
  public static ModelVersion serving(Lakehouse lakehouse, String model) {
    AliasState s = new ModelAliases(lakehouse).current(model);
    ModelRegistry registry = new ModelRegistry(lakehouse);
    if (s.champion() != null) {
      return registry.get(model, s.champion());
    }
    return registry
        .latest(model)
        .orElseThrow(() -> new LakemlException("Cannot score: no version of model " + model + " is registered. Run ./scripts/lakeml train first."));
  }
}
