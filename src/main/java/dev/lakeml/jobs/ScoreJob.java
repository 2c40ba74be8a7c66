package dev.lakeml.jobs;

import dev.lakeml.Errors;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.PromotionGate;
import dev.lakeml.ml.Scorer;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Batch-scores a date range of the gold feature table with one model version (default: the
 * champion, else the newest)
 * into the predictions table. The rows of that model version and range are replaced atomically, so
 * rerunning a scoring run never duplicates predictions.
 */
public final class ScoreJob implements Job {
  @Override
  public String name() {
    return "score";
  }

  @Override
  public String usage() {
    return "score                   gold + champion model (else newest) -> predictions [--from D --to D --model-version N --explain]";
  }

  @Override
  public java.util.Set<String> options() {
    return java.util.Set.of("from", "to", "model-version", "explain");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    var spec = ctx.spec();
    LocalDate from = date(ctx, "from", spec.score().from());
    LocalDate before = date(ctx, "to", spec.score().before());
    ModelRegistry registry = new ModelRegistry(ctx.lakehouse());
    ModelVersion model =
        ctx.options().containsKey("model-version")
            ? registry.get(spec.model().name(), Integer.parseInt(ctx.option("model-version", "0")))
            : PromotionGate.serving(ctx.lakehouse(), spec.model().name());
    TableId gold = ctx.gold(spec.gold().table());
    TableId predictions = ctx.gold(spec.score().table());
    long goldVersion = ctx.lakehouse().latestVersion(gold);
    String range = "[" + from + ", " + before + ")";
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", ctx.runId());
    lineage.put("source_table", gold.toString());
    lineage.put("source_version", goldVersion);
    lineage.put("model", model.name());
    lineage.put("model_version", model.version());
    lineage.put("range", range);
    int explainTop = ctx.flag("explain") || spec.score().explain() ? dev.lakeml.ml.Explanations.DEFAULT_TOP : 0;
    if (explainTop > 0) {
      lineage.put("explain_top", explainTop);
    }
    if (RefineJob.upToDate(ctx.lakehouse(), predictions, lineage) && !ctx.flag("force")) {
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(),
          String.format("%s already holds %s v%d on %s v%d for %s", predictions, model.name(), model.version(), gold, goldVersion, range));
    }
    Dataset<Row> features =
        ctx.lakehouse()
            .read(gold, goldVersion)
            .filter(PointInTimeFeatures.EVENT_DATE + " >= '" + from + "' AND " + PointInTimeFeatures.EVENT_DATE + " < '" + before + "'");
    Dataset<Row> scored =
        Scorer.score(registry.load(model), features, spec.silver().key(), model, gold.toString(), goldVersion, ctx.runId(), explainTop);
    String replace =
        String.format(
            "model_name = '%s' AND model_version = %d AND %s >= '%s' AND %s < '%s'",
            model.name(), model.version(), PointInTimeFeatures.EVENT_DATE, from, PointInTimeFeatures.EVENT_DATE, before);
    Lakehouse.Write write = ctx.lakehouse().exists(predictions) ? Lakehouse.Write.replace(replace) : Lakehouse.Write.append();
    long v =
        explainTop > 0
            ? ctx.lakehouse().writeAddingColumns(scored, predictions, write, lineage) // top_features on request
            : ctx.lakehouse().write(scored, predictions, write, lineage);
    long n = ctx.lakehouse().read(predictions, v).filter(replace).count();
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        Map.of(predictions.toString(), v),
        Map.of(predictions.toString(), n),
        String.format("%,d predictions for %s with %s v%d -> %s v%d", n, range, model.name(), model.version(), predictions, v));
  }

  private static LocalDate date(JobContext ctx, String option, LocalDate defaultValue) {
    String raw = ctx.option(option, null);
    if (raw == null) {
      return defaultValue;
    }
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw Errors.usage("Cannot use --" + option + " '" + raw + "': give a date as yyyy-MM-dd.");
    }
  }
}
