package dev.lakeml.ml;

import java.util.List;

/**
 * Why the promotion gate let a challenger through or not: both models' metric on the same frozen
 * evaluation data (one table at one Delta version, one date window), and the quality verdict on
 * the challenger's training data. Stored with the alias event it produced.
 */
public record GateEvidence(
    String metric,
    double minImprovement,
    String evalTable,
    long evalTableVersion,
    String evalWindow,
    long evalRows,
    double challengerValue,
    Double championValue,
    boolean qualityPassed,
    List<String> qualityChecked,
    List<String> qualityFailures,
    boolean passed,
    List<String> reasons) {

  /**
   * The gate's rule, pure: pass only when the training data passed quality and the challenger beats
   * the champion by at least {@code minImprovement} (no champion: the metric alone decides nothing).
   */
  static GateEvidence judge(
      String metric,
      double minImprovement,
      String evalTable,
      long evalTableVersion,
      String evalWindow,
      long evalRows,
      double challengerValue,
      Double championValue,
      TrainingDataQuality.Verdict quality) {
    List<String> reasons = new java.util.ArrayList<>();
    if (!quality.passed()) {
      reasons.add("training data failed quality: " + (quality.failures().isEmpty() ? "no quality results recorded for it" : String.join("; ", quality.failures())));
    }
    if (evalRows == 0) {
      reasons.add("the evaluation window " + evalWindow + " of " + evalTable + " v" + evalTableVersion + " has no rows");
    }
    // Errors (rmse, mae) must go down by the margin, scores (auc, r2) up.
    boolean lower = dev.lakeml.config.PipelineSpec.Task.lowerIsBetter(metric);
    if (championValue != null
        && !(lower ? challengerValue <= championValue - minImprovement : challengerValue >= championValue + minImprovement)) {
      reasons.add(
          String.format(
              "%s %.4f does not beat the champion's %.4f by the required %.4f (%s is better)",
              metric, challengerValue, championValue, minImprovement, lower ? "lower" : "higher"));
    }
    return new GateEvidence(
        metric, minImprovement, evalTable, evalTableVersion, evalWindow, evalRows, challengerValue, championValue,
        quality.passed(), quality.checked(), quality.failures(), reasons.isEmpty(), List.copyOf(reasons));
  }
}
