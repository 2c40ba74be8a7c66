package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.TableId;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.ml.GateEvidence;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.PromotionGate;
import dev.lakeml.ml.Replay;
import dev.lakeml.monitor.ImportantInputs;
import dev.lakeml.monitor.MonitorLedger;
import dev.lakeml.monitor.RetrainLedger;
import dev.lakeml.monitor.RetrainRule;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Row;

/**
 * The retrain trigger, after {@code monitor}: applies the spec's {@code retrain} rule to the newest
 * monitored scoring run (drift on the champion's important inputs over consecutive windows, realized
 * AUC against a floor, a cool-down in data time) and records the decision in {@code
 * ops.retrain_decisions} whether it fires or not. When it fires: trains a new version on a window
 * ending at the latest labelled data (its last {@code retrain.evaluate-days} days evaluate it) and
 * runs the promotion gate; the champion changes only if the gate passes it.
 */
public final class RetrainJob implements Job {
  @Override
  public String name() {
    return "retrain";
  }

  @Override
  public String usage() {
    return "retrain                 apply the retrain rule to the newest monitored run -> ops.retrain_decisions; if it fires, train + gate [--labels-before D --as-of D]";
  }

  @Override
  public Set<String> options() {
    return Set.of("scoring-run", "labels-before", "as-of");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec spec = ctx.spec();
    String model = spec.model().name();
    TableId predictions = ctx.gold(spec.score().table());
    Optional<Map<String, Object>> info =
        ctx.flag("scoring-run")
            ? Optional.of(Map.<String, Object>of("run_id", ctx.option("scoring-run", null)))
            : ctx.lakehouse().lastCommitInfo(predictions, "model_version");
    if (info.isEmpty() || !ctx.lakehouse().exists(MonitorLedger.PERFORMANCE)) {
      return skipped(t0, "no monitored scoring run to decide on yet");
    }
    String scoringRun = String.valueOf(info.get().get("run_id"));
    List<Row> perf =
        ctx.lakehouse()
            .read(MonitorLedger.PERFORMANCE)
            .filter(col("scoring_run_id").equalTo(scoringRun))
            .orderBy(col("monitored_at").desc())
            .select("run_id", "model_version", "auc", "labelled_rows")
            .limit(1)
            .collectAsList();
    if (perf.isEmpty()) {
      return skipped(t0, "scoring run " + scoringRun + " is not monitored yet: run ./scripts/lakeml monitor first");
    }
    String monitorRun = perf.get(0).getString(0);
    int monitoredVersion = perf.get(0).getInt(1);
    Double auc = perf.get(0).isNullAt(2) ? null : perf.get(0).getDouble(2);
    long labelled = perf.get(0).getLong(3);
    RetrainLedger ledger = new RetrainLedger(ctx.lakehouse());
    if (ledger.decided(model, monitorRun) && !ctx.flag("force")) {
      return skipped(t0, "monitoring run " + monitorRun + " of scoring run " + scoringRun + " already decided (see " + RetrainLedger.TABLE + ")");
    }

    Map<String, String> status = new LinkedHashMap<>();
    for (Row r :
        ctx.lakehouse()
            .read(MonitorLedger.DRIFT)
            .filter(col("run_id").equalTo(monitorRun).and(col("scoring_run_id").equalTo(scoringRun)))
            .select("feature", "status")
            .collectAsList()) {
      status.put(r.getString(0), r.getString(1));
    }
    ModelRegistry registry = new ModelRegistry(ctx.lakehouse());
    List<String> inputs = new ArrayList<>(spec.model().categorical());
    inputs.addAll(spec.model().numeric());
    Map<String, Double> shares = ImportantInputs.shares(registry.get(model, monitoredVersion).importances(), inputs);
    LocalDate asOf = dateOption(ctx, "as-of", null);
    if (asOf == null) {
      long pv = Replay.versionWrittenBy(ctx.lakehouse(), predictions, scoringRun);
      Row last = ctx.lakehouse().read(predictions, pv).filter(col("run_id").equalTo(scoringRun)).selectExpr("max(" + PointInTimeFeatures.EVENT_DATE + ")").first();
      asOf = last.getDate(0).toLocalDate().plusDays(1);
    }
    PipelineSpec.Retrain rule = spec.retrain();
    RetrainRule.Decision d = RetrainRule.decide(rule, new RetrainRule.Evidence(asOf, status, shares, auc, labelled), ledger.history(model));
    String ruleText = ruleText(rule);

    if (!d.fired()) {
      long v = ledger.record(new RetrainLedger.Entry(ctx.runId(), model, scoringRun, monitorRun, monitoredVersion, asOf, null, ruleText, d, auc, labelled, null, null, null, null, null, null, championNow(ctx, model), List.of()));
      return new StageResult(
          name(), StageResult.SUCCEEDED, RefineJob.secs(t0), Map.of(RetrainLedger.TABLE.toString(), v), Map.of(),
          "not fired as of " + asOf + ": " + String.join("; ", d.reasons()));
    }

    // Fired: train on a window ending at the latest labelled data, then the gate decides.
    TableId gold = ctx.gold(spec.gold().table());
    LocalDate labelsBefore = dateOption(ctx, "labels-before", null);
    if (labelsBefore == null) {
      Row r = ctx.lakehouse().read(gold).filter(col(spec.gold().label()).isNotNull()).selectExpr("max(" + PointInTimeFeatures.EVENT_DATE + ")").first();
      if (r.isNullAt(0)) {
        throw new LakemlException("Cannot retrain " + model + ": " + gold + " holds no labelled rows yet.");
      }
      labelsBefore = r.getDate(0).toLocalDate().plusDays(1);
    }
    LocalDate evaluateFrom = labelsBefore.minusDays(rule.evaluateDays());
    String trainWindow = "[" + spec.model().trainFrom() + ", " + evaluateFrom + ")";
    String evaluateWindow = "[" + evaluateFrom + ", " + labelsBefore + ")";
    ModelVersion trained;
    try {
      PipelineSpec.Model m = spec.model().withSplit(spec.model().trainFrom(), evaluateFrom, evaluateFrom, labelsBefore);
      PipelineSpec retrained = spec.withModel(m);
      new TrainJob().run(new JobContext(ctx.settings(), retrained, ctx.lakehouse(), ctx.runId(), Map.of(), ctx.out()));
      // The version train registered, or reused when gold changed only outside these windows.
      String hash = TrainJob.specHash(retrained);
      trained = registry.newestOn(model, hash, gold.toString(), Long.MAX_VALUE).filter(v -> v.trainWindow().equals(trainWindow) && v.evaluateWindow().equals(evaluateWindow)).orElseThrow(
          () -> new LakemlException("Cannot find the retrained version of " + model + " for " + trainWindow + " in " + ModelRegistry.TABLE + "."));
    } catch (LakemlException e) {
      ledger.record(new RetrainLedger.Entry(ctx.runId(), model, scoringRun, monitorRun, monitoredVersion, asOf, labelsBefore, ruleText, d, auc, labelled, null, trainWindow, evaluateWindow, null, null, null, championNow(ctx, model), List.of("retraining failed: " + e.getMessage())));
      throw e;
    }
    String gateAction;
    Double challengerValue = null;
    Double championValue = null;
    List<String> notes = new ArrayList<>();
    Integer champion = championNow(ctx, model);
    if (Integer.valueOf(trained.version()).equals(champion)) {
      // A rerun after a crash between the gate and this record, or train reused the champion
      // (gold changed only outside these windows since it was fitted).
      gateAction = "already_champion";
    } else {
      PromotionGate.Decision g = new PromotionGate(ctx.lakehouse()).promote(model, trained.version(), spec.gold().label(), spec.model().promotion(), ctx.runId());
      GateEvidence ev = g.evidence();
      gateAction = g.state().action();
      challengerValue = ev.challengerValue();
      championValue = ev.championValue();
      notes.addAll(ev.reasons().stream().map(r -> "gate: " + r).toList());
      champion = g.state().champion();
    }
    long v =
        ledger.record(
            new RetrainLedger.Entry(
                ctx.runId(), model, scoringRun, monitorRun, monitoredVersion, asOf, labelsBefore, ruleText, d, auc, labelled, trained.version(), trainWindow,
                evaluateWindow, gateAction, challengerValue, championValue, champion, notes));
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        Map.of(RetrainLedger.TABLE.toString(), v, ModelRegistry.TABLE.toString(), ctx.lakehouse().latestVersion(ModelRegistry.TABLE)),
        Map.of(),
        String.format(
            "FIRED (%s) as of %s: %s v%d trained on %s, evaluated on %s; gate: %s (%s %s vs champion %s); champion is v%s",
            d.trigger(), asOf, model, trained.version(), trainWindow, evaluateWindow, gateAction, spec.model().promotion().metric(),
            challengerValue == null ? "n/a" : String.format("%.4f", challengerValue), championValue == null ? "n/a" : String.format("%.4f", championValue), champion));
  }

  private StageResult skipped(long t0, String why) {
    return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), why);
  }

  private static Integer championNow(JobContext ctx, String model) {
    return new ModelAliases(ctx.lakehouse()).current(model).champion();
  }

  static String ruleText(PipelineSpec.Retrain r) {
    return String.format(
        "when=%s share-of-features>=%.2f consecutive-windows=%d auc-floor=%.3f min-labelled-rows=%d min-importance=%.2f cool-down=%dd evaluate-days=%d",
        r.when().name().toLowerCase(), r.shareOfFeatures(), r.consecutiveWindows(), r.aucFloor(), r.minLabelledRows(), r.minImportance(), r.coolDownDays(),
        r.evaluateDays());
  }

  /** A yyyy-MM-dd option, or {@code defaultValue} when absent; a bad value is a usage error. */
  static LocalDate dateOption(JobContext ctx, String option, LocalDate defaultValue) {
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
