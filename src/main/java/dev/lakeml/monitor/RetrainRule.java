package dev.lakeml.monitor;

import dev.lakeml.config.PipelineSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The retrain trigger, pure: from one monitored window's evidence and the earlier decisions, decide
 * whether to retrain and say why. Drift counts only on the champion's important inputs (importance
 * share >= {@code min-importance}; inputs in {@code monitor.exclude} never count); the drift streak
 * restarts after each retraining; a cool-down in data time follows every retraining.
 */
public final class RetrainRule {
  private RetrainRule() {}

  /** What monitoring measured for one scored window, as of a day in data time. */
  public record Evidence(LocalDate asOf, Map<String, String> driftStatus, Map<String, Double> importanceShares, Double realizedAuc, long labelledRows) {}

  /** An earlier decision, as far as the rule needs it. */
  public record Past(LocalDate asOf, boolean driftAlarm, boolean fired) {}

  /**
   * The decision. {@code trigger} is {@code drift}, {@code performance} or {@code drift+performance}
   * when the evidence met the rule (even inside the cool-down), else null.
   */
  public record Decision(
      boolean fired,
      String trigger,
      List<String> important,
      List<String> alarming,
      double driftShare,
      boolean driftAlarm,
      int consecutiveDriftWindows,
      boolean aucBelowFloor,
      LocalDate coolDownUntil,
      List<String> reasons) {}

  public static Decision decide(PipelineSpec.Retrain rule, Evidence e, List<Past> earlier) {
    List<String> important = new ArrayList<>();
    List<String> alarming = new ArrayList<>();
    for (Map.Entry<String, Double> s : e.importanceShares().entrySet()) {
      String status = e.driftStatus().get(s.getKey());
      if (s.getValue() >= rule.minImportance() && status != null && !status.equals(FeatureDrift.EXCLUDED)) {
        important.add(s.getKey());
        if (status.equals("alarm")) {
          alarming.add(s.getKey());
        }
      }
    }
    double share = important.isEmpty() ? 0 : (double) alarming.size() / important.size();
    boolean driftAlarm = !alarming.isEmpty() && share >= rule.shareOfFeatures();
    int streak = 0;
    if (driftAlarm) {
      streak = 1;
      for (int i = earlier.size() - 1; i >= 0 && earlier.get(i).driftAlarm() && !earlier.get(i).fired(); i--) {
        streak++;
      }
    }
    boolean useDrift = rule.when() == PipelineSpec.RetrainWhen.DRIFT || rule.when() == PipelineSpec.RetrainWhen.ANY;
    boolean usePerformance = rule.when() == PipelineSpec.RetrainWhen.PERFORMANCE || rule.when() == PipelineSpec.RetrainWhen.ANY;
    boolean enoughLabels = e.realizedAuc() != null && e.labelledRows() >= rule.minLabelledRows();
    boolean aucBelow = enoughLabels && e.realizedAuc() < rule.aucFloor();
    boolean driftTrigger = useDrift && streak >= rule.consecutiveWindows();
    boolean perfTrigger = usePerformance && aucBelow;
    LocalDate lastFired = null;
    for (Past p : earlier) {
      if (p.fired() && (lastFired == null || p.asOf().isAfter(lastFired))) {
        lastFired = p.asOf();
      }
    }
    LocalDate coolDownUntil = lastFired == null ? null : lastFired.plusDays(rule.coolDownDays());
    boolean coolingDown = coolDownUntil != null && e.asOf().isBefore(coolDownUntil);

    List<String> reasons = new ArrayList<>();
    if (rule.when() == PipelineSpec.RetrainWhen.NEVER) {
      reasons.add("retraining is off (retrain.when = never)");
    }
    reasons.add(
        String.format(
            "drift: %d of %d important inputs alarm (%.0f%%, threshold %.0f%%)%s; %d of %d consecutive windows%s",
            alarming.size(), important.size(), share * 100, rule.shareOfFeatures() * 100, alarming.isEmpty() ? "" : " " + alarming, streak,
            rule.consecutiveWindows(), useDrift ? "" : " (not a trigger: retrain.when = " + name(rule.when()) + ")"));
    if (e.realizedAuc() == null) {
      reasons.add("performance: no realized auc yet (" + e.labelledRows() + " labelled rows)");
    } else {
      reasons.add(
          String.format(
              "performance: realized auc %.3f on %,d labelled rows %s floor %.3f%s%s", e.realizedAuc(), e.labelledRows(), aucBelow ? "below" : "not below",
              rule.aucFloor(), enoughLabels ? "" : " (fewer than retrain.min-labelled-rows = " + rule.minLabelledRows() + ")",
              usePerformance ? "" : " (not a trigger: retrain.when = " + name(rule.when()) + ")"));
    }
    if ((driftTrigger || perfTrigger) && coolingDown) {
      reasons.add("in cool-down until " + coolDownUntil + " (retrained as of " + lastFired + ", retrain.cool-down = " + rule.coolDownDays() + " days)");
    }
    String trigger = driftTrigger && perfTrigger ? "drift+performance" : driftTrigger ? "drift" : perfTrigger ? "performance" : null;
    return new Decision(trigger != null && !coolingDown, trigger, important, alarming, share, driftAlarm, streak, aucBelow, coolDownUntil, reasons);
  }

  private static String name(PipelineSpec.RetrainWhen w) {
    return w.name().toLowerCase();
  }
}
