package dev.lakeml.jobs;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.ml.Replay;
import java.util.Map;
import java.util.Set;

/**
 * {@code replay <run-id>}: re-scores a past scoring run from its recorded model version and
 * feature-table version (time travel) and fails unless every prediction is identical.
 */
public final class ReplayJob implements Job {
  /** Where the launcher's JobCommand puts a stage's positional arguments among the options. */
  static final String POSITIONAL = "_args";

  @Override
  public String name() {
    return "replay";
  }

  @Override
  public String usage() {
    return "replay <run-id>         re-score a past scoring run from its recorded versions; fails unless identical";
  }

  @Override
  public Set<String> options() {
    return Set.of("run-id");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    String runId = ctx.option("run-id", ctx.option(POSITIONAL, null));
    if (runId == null) {
      throw Errors.usage("Usage: lakeml replay <run-id>. Find scoring runs with: ./scripts/lakeml sql \"SELECT run_id, count(*) FROM gold."
          + ctx.spec().score().table() + " GROUP BY run_id\"");
    }
    Replay.Result r = Replay.replay(ctx.lakehouse(), ctx.gold(ctx.spec().score().table()), ctx.spec().silver().key(), runId);
    String summary =
        String.format(
            "run %s: %,d predictions of %s v%d on %s v%d re-scored -> %,d; %,d differ, max |diff| %.3g: %s",
            runId, r.originalRows(), r.model(), r.modelVersion(), r.featureTable(), r.featureTableVersion(), r.replayedRows(), r.differing(),
            r.maxAbsDiff(), r.identical() ? "IDENTICAL" : "DIFFERENT");
    if (!r.identical()) {
      throw new LakemlException("Cannot reproduce scoring run " + runId + ": " + summary + ". Check that the model files under " + ctx.lakehouse().area("models") + " were not changed.");
    }
    return new StageResult(name(), StageResult.SUCCEEDED, RefineJob.secs(t0), Map.of(), Map.of(), summary);
  }
}
