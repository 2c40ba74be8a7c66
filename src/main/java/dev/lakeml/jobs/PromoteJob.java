package dev.lakeml.jobs;

import dev.lakeml.Errors;
import dev.lakeml.ml.GateEvidence;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.PromotionGate;
import java.util.Map;
import java.util.Set;

/**
 * Runs the promotion gate on the challenger (or {@code --model-version N}) and records the decision
 * with its evidence in {@code ops.model_aliases}. A refusal is a result, not an error: exit code 0.
 */
public final class PromoteJob implements Job {
  @Override
  public String name() {
    return "promote";
  }

  @Override
  public String usage() {
    return "promote                 challenger -> champion if it passes the gate (same frozen eval data, margin, quality) [--model-version N]";
  }

  @Override
  public Set<String> options() {
    return Set.of("model-version");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    String model = ctx.spec().model().name();
    PromotionGate.Decision d =
        new PromotionGate(ctx.lakehouse())
            .promote(model, modelVersion(ctx), ctx.spec().gold().label(), ctx.spec().model().promotion(), ctx.runId());
    GateEvidence e = d.evidence();
    String values =
        String.format(
            "%s %.4f vs champion %s on %s v%d %s (%,d rows), margin %.4f; training data quality %s",
            e.metric(), e.challengerValue(), e.championValue() == null ? "none" : String.format("%.4f", e.championValue()), e.evalTable(),
            e.evalTableVersion(), e.evalWindow(), e.evalRows(), e.minImprovement(), e.qualityPassed() ? "passed" : "FAILED");
    String summary =
        d.state().action().equals(ModelAliases.PROMOTED)
            ? String.format("%s v%d promoted to champion (was v%s): %s", model, d.state().champion(), d.state().previousChampion(), values)
            : String.format("%s: challenger refused, champion stays v%s: %s. Why: %s", model, d.state().champion(), values, String.join("; ", e.reasons()));
    return new StageResult(name(), StageResult.SUCCEEDED, RefineJob.secs(t0), Map.of(ModelAliases.TABLE.toString(), ctx.lakehouse().latestVersion(ModelAliases.TABLE)), Map.of(), summary);
  }

  /** {@code --model-version N}, or null when not given. */
  static Integer modelVersion(JobContext ctx) {
    String raw = ctx.option("model-version", null);
    if (raw == null) {
      return null;
    }
    try {
      return Integer.parseInt(raw.startsWith("v") ? raw.substring(1) : raw);
    } catch (NumberFormatException e) {
      throw Errors.usage("Cannot use --model-version '" + raw + "': give a version number, e.g. --model-version 3.");
    }
  }
}
