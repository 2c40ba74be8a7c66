package dev.lakeml.jobs;

import dev.lakeml.ml.AliasState;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.ModelRegistry;
import java.util.Map;
import java.util.Set;

/** Restores the previous champion (or {@code --model-version N}) in one commit to {@code ops.model_aliases}. */
public final class RollbackJob implements Job {
  @Override
  public String name() {
    return "rollback";
  }

  @Override
  public String usage() {
    return "rollback                champion -> the previous champion, no gate [--model-version N]";
  }

  @Override
  public Set<String> options() {
    return Set.of("model-version");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    String model = ctx.spec().model().name();
    Integer target = PromoteJob.modelVersion(ctx);
    if (target != null) {
      new ModelRegistry(ctx.lakehouse()).get(model, target); // fails naming the registered versions
    }
    AliasState s = new ModelAliases(ctx.lakehouse()).rollback(model, target, ctx.runId());
    return new StageResult(
        name(), StageResult.SUCCEEDED, RefineJob.secs(t0), Map.of(ModelAliases.TABLE.toString(), ctx.lakehouse().latestVersion(ModelAliases.TABLE)), Map.of(),
        String.format("%s champion is v%d again (was v%d)", model, s.champion(), s.previousChampion()));
  }
}
