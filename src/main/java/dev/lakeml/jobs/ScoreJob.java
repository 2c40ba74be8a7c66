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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

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
    String replace = String.format("model_name = '%s' AND model_version = %d AND ", model.name(), model.version()) + dated(from, before);
    Optional<CarryOver> carry = ctx.flag("force") ? Optional.empty() : carryOver(ctx.lakehouse(), predictions, gold, goldVersion, lineage, from, before);
    if (carry.isPresent() && carry.get().none()) {
      CarryOver c = carry.get();
      return new StageResult(
          name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(),
          String.format("%s v%d holds %s v%d for %s: %s v%d..v%d changed no row dated in it", predictions, c.predictionsVersion(), model.name(), model.version(), range, gold, c.goldVersion(), goldVersion));
    }
    // Only the days gold's commits rebuilt since the last scoring run are scored again; the others'
    // predictions are carried over: the same model on the same rows gives the same values.
    LocalDate scoreFrom = carry.map(CarryOver::first).orElse(from), scoreBefore = carry.map(CarryOver::before).orElse(before);
    Dataset<Row> features =
        ctx.lakehouse()
            .read(gold, goldVersion)
            .filter(dated(scoreFrom, scoreBefore));
    Dataset<Row> scored =
        Scorer.score(registry.load(model), features, spec.silver().key(), model, gold.toString(), goldVersion, ctx.runId(), explainTop);
    if (carry.isPresent()) {
      Dataset<Row> kept =
          ctx.lakehouse()
              .read(predictions, carry.get().predictionsVersion())
              .filter(replace)
              .filter("NOT (" + dated(scoreFrom, scoreBefore) + ")")
              .withColumn("feature_table_version", functions.lit(goldVersion))
              .withColumn("run_id", functions.lit(ctx.runId()))
              .select(java.util.Arrays.stream(scored.columns()).map(functions::col).toArray(org.apache.spark.sql.Column[]::new));
      scored = scored.unionByName(kept);
      lineage.put(RESCORED, "[" + scoreFrom + ", " + scoreBefore + ")");
      lineage.put(CARRIED_FROM, carry.get().predictionsVersion());
    }
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
        String.format("%,d predictions for %s with %s v%d -> %s v%d", n, range, model.name(), model.version(), predictions, v)
            + carry.map(c -> String.format(" (rows dated [%s, %s) scored again: %s v%d..v%d rebuilt only those of the range; the rest carried over from v%d)", c.first(), c.before(), gold, c.goldVersion(), goldVersion, c.predictionsVersion())).orElse(""));
  }

  /** Lineage keys of a scoring run that scored only some days again: those days, and the predictions version the rest came from. */
  public static final String RESCORED = "rescored", CARRIED_FROM = "carried_over_from";

  /**
   * The last scoring run of the same inputs (model version, range, gold table, explanations) that
   * can be carried over: the predictions version it wrote, the gold version it scored, and the days
   * [first, before) of the range that gold's commits since rebuilt ({@code first} null: none).
   */
  record CarryOver(long predictionsVersion, long goldVersion, LocalDate first, LocalDate before) {
    boolean none() {
      return first == null;
    }
  }

  /**
   * When this model version last scored the same range of an older {@code gold} version, and since
   * then gold changed only by in-place rebuilds of {@code features} that say which days they replaced
   * ({@link FeaturesJob#rebuiltSince}), and no other commit touched those predictions: what to carry
   * over. Empty (score the whole range) otherwise: no such run among the newest
   * {@link Lakehouse#LOOKBACK} commits, a later commit that changed rows of this model version
   * (another range, a DELETE) or did not say whose rows it changed, or a gold change that does not
   * say which days it touched.
   */
  static Optional<CarryOver> carryOver(Lakehouse lakehouse, TableId predictions, TableId gold, long goldVersion, Map<String, Object> lineage, LocalDate from, LocalDate before) {
    if (!lakehouse.exists(predictions)) {
      return Optional.empty();
    }
    long latest = lakehouse.latestVersion(predictions);
    Optional<List<Lakehouse.Commit>> commits = lakehouse.commitsAfter(predictions, Math.max(-1, latest - Lakehouse.LOOKBACK), latest);
    if (commits.isEmpty()) {
      return Optional.empty();
    }
    String model = String.valueOf(lineage.get("model")), version = String.valueOf(lineage.get("model_version"));
    Lakehouse.Commit last = null;
    for (int i = commits.get().size() - 1; i >= 0; i--) { // newest first
      Lakehouse.Commit c = commits.get().get(i);
      Map<String, Object> info = c.info();
      if (info.containsKey("source_version")
          && RefineJob.sameInputs(info, lineage)
          && String.valueOf(info.get("explain_top")).equals(String.valueOf(lineage.get("explain_top")))) {
        last = c;
        break;
      }
      boolean otherModel = info.containsKey("model_version") && !(model.equals(String.valueOf(info.get("model"))) && version.equals(String.valueOf(info.get("model_version"))));
      if (c.dataChange() && !otherModel) {
        return Optional.empty(); // it may have changed this model version's rows
      }
    }
    if (last == null) {
      return Optional.empty();
    }
    long scoredOn = ((Number) last.info().get("source_version")).longValue();
    Optional<List<FeaturesJob.Rebuilt>> rebuilt = FeaturesJob.rebuiltSince(lakehouse, gold, scoredOn, last.at(), goldVersion);
    if (rebuilt.isEmpty()) {
      return Optional.empty();
    }
    // The rebuilt days that lie in the range, from the first to the last, clipped to it.
    Optional<FeaturesJob.Rebuilt> span = FeaturesJob.Rebuilt.span(rebuilt.get().stream().filter(r -> r.overlaps(from, before)).toList());
    LocalDate first = span.map(s -> s.first().isBefore(from) ? from : s.first()).orElse(null);
    LocalDate end = span.map(s -> s.last().plusDays(1).isAfter(before) ? before : s.last().plusDays(1)).orElse(null);
    return Optional.of(new CarryOver(last.version(), scoredOn, first, end));
  }

  /** The rows dated in [from, before). */
  private static String dated(LocalDate from, LocalDate before) {
    return PointInTimeFeatures.EVENT_DATE + " >= '" + from + "' AND " + PointInTimeFeatures.EVENT_DATE + " < '" + before + "'";
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
