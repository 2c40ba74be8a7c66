package dev.lakeml.quality;

import dev.lakeml.config.CheckSpec;
import java.util.List;
import java.util.Locale;

/**
 * History rules: a metric of the candidate against its baseline, the mean of the same metric over
 * the last accepted versions. Pure Java; the caller chooses the history (only accepted versions, so
 * a failed run that was later fixed never becomes the yardstick).
 */
final class AnomalyRules {
  private AnomalyRules() {}

  /** The metric a history rule watches, as recorded in the ledger. */
  static String metricName(CheckSpec rule) {
    return switch (rule.rule()) {
      case ROW_COUNT_CHANGE -> "row_count";
      case NULL_RATE_JUMP -> "null_rate(" + rule.column() + ")";
      default -> throw new IllegalStateException("not a history rule: " + rule.rule());
    };
  }

  /** {@code baseline}: the metric of the newest accepted versions, newest first. */
  static CheckOutcome evaluate(CheckSpec rule, double current, List<Double> baseline) {
    String metric = metricName(rule);
    if (baseline.isEmpty()) {
      return new CheckOutcome(rule.name(), rule.rule(), rule.action(), true, null, null, "no accepted version yet to compare " + metric + " with");
    }
    double base = baseline.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    String against = String.format(Locale.ROOT, "%s %s vs baseline %s (mean of %d accepted versions)", metric, fmt(current), fmt(base), baseline.size());
    if (rule.rule() == CheckSpec.Rule.ROW_COUNT_CHANGE) {
      double change = base == 0 ? (current == 0 ? 0 : Double.POSITIVE_INFINITY) : (current - base) / base;
      boolean passed = (rule.min() == null || change >= rule.min()) && (rule.max() == null || change <= rule.max());
      String allowed = (rule.min() == null ? "" : pct(rule.min())) + " .. " + (rule.max() == null ? "" : "+" + pct(rule.max()));
      return new CheckOutcome(rule.name(), rule.rule(), rule.action(), passed, change, null, against + ": change " + pct(change) + ", allowed " + allowed);
    }
    double increase = current - base;
    boolean passed = increase <= rule.max();
    return new CheckOutcome(
        rule.name(), rule.rule(), rule.action(), passed, increase, null, against + ": rise " + fmt(increase) + ", allowed up to " + fmt(rule.max()));
  }

  private static String pct(double d) {
    return String.format(Locale.ROOT, "%.1f%%", d * 100);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.4f", d);
  }
}
