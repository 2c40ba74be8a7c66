package dev.lakeml.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_timestamp;

import com.amazon.deequ.VerificationResult;
import com.amazon.deequ.VerificationSuite;
import com.amazon.deequ.checks.Check;
import com.amazon.deequ.checks.CheckLevel;
import com.amazon.deequ.checks.CheckResult;
import com.amazon.deequ.checks.CheckStatus;
import com.amazon.deequ.constraints.ConstraintResult;
import com.amazon.deequ.constraints.ConstraintStatus;
import com.amazon.deequ.metrics.Metric;
import dev.lakeml.config.CheckSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Runs dataset-level expectations with Deequ in one pass over the data. The only class that sees
 * Deequ's Scala API: specs go in, plain Java outcomes come out.
 */
final class DeequChecks {
  private DeequChecks() {}

  /** Verdicts of the {@link CheckSpec.Kind#DATASET} rules in {@code specs}; {@code now} dates freshness. */
  static List<CheckOutcome> verify(Dataset<Row> data, List<CheckSpec> specs, Instant now) {
    List<CheckSpec> dataset = specs.stream().filter(s -> s.kind() == CheckSpec.Kind.DATASET).toList();
    if (dataset.isEmpty()) {
      return List.of();
    }
    Dataset<Row> input = data;
    for (CheckSpec s : dataset) {
      if (s.rule() == CheckSpec.Rule.FRESHNESS) {
        // Age in hours of each event: Deequ's Minimum over it is the age of the newest event.
        input =
            input.withColumn(
                ageColumn(s),
                lit(now.getEpochSecond()).minus(unix_timestamp(col(s.column()).cast("timestamp"))).divide(3600.0));
      }
    }
    Map<Check, CheckSpec> checks = new LinkedHashMap<>();
    for (CheckSpec spec : dataset) {
      checks.put(toDeequ(spec), spec);
    }
    var builder = new VerificationSuite().onData(input);
    for (Check c : checks.keySet()) {
      builder = builder.addCheck(c);
    }
    VerificationResult result = builder.run();
    Map<Check, CheckResult> results = JavaConverters.mapAsJavaMap(result.checkResults());
    List<CheckOutcome> out = new ArrayList<>();
    for (Map.Entry<Check, CheckSpec> e : checks.entrySet()) {
      CheckResult r = results.get(e.getKey());
      CheckSpec spec = e.getValue();
      boolean passed = r.status() == CheckStatus.Success();
      Double metric = null;
      List<String> messages = new ArrayList<>();
      for (ConstraintResult cr : JavaConverters.seqAsJavaList(r.constraintResults())) {
        Double value = metricValue(cr.metric());
        if (value != null) {
          metric = value;
        }
        if (cr.status() != ConstraintStatus.Success() && cr.message().isDefined()) {
          messages.add(cr.message().get());
        }
      }
      String bounds = "[" + (spec.min() == null ? "" : spec.min()) + ", " + (spec.max() == null ? "" : spec.max()) + "]";
      String message = passed ? "ok: " + metric : String.join("; ", messages) + " (measured " + metric + ", allowed " + bounds + ")";
      out.add(new CheckOutcome(spec.name(), spec.rule(), spec.action(), passed, metric, null, message));
    }
    return out;
  }

  /** One constraint Deequ suggests for a column, with Deequ's own code for it and its reason. */
  record Suggestion(String column, String code, String description) {}

  /** Deequ's constraint suggestion (its default rules) over {@code data}. */
  static List<Suggestion> suggest(Dataset<Row> data) {
    var result =
        new com.amazon.deequ.suggestions.ConstraintSuggestionRunner()
            .onData(data)
            .addConstraintRules(com.amazon.deequ.suggestions.Rules$.MODULE$.DEFAULT())
            .run();
    List<Suggestion> out = new ArrayList<>();
    for (var e : JavaConverters.mapAsJavaMap(result.constraintSuggestions()).entrySet()) {
      for (var s : JavaConverters.seqAsJavaList(e.getValue())) {
        out.add(new Suggestion(s.columnName(), s.codeForConstraint(), s.description()));
      }
    }
    out.sort(java.util.Comparator.comparing(Suggestion::column).thenComparing(Suggestion::code));
    return out;
  }

  /** Column statistics: completeness, approximate distinct count, and min/max/mean of numbers. */
  record ColumnStats(String column, String type, double completeness, long approxDistinct, Double min, Double max, Double mean) {}

  static List<ColumnStats> profile(Dataset<Row> data) {
    var profiles = new com.amazon.deequ.profiles.ColumnProfilerRunner().onData(data).run();
    List<ColumnStats> out = new ArrayList<>();
    for (String column : data.columns()) {
      var p = JavaConverters.mapAsJavaMap(profiles.profiles()).get(column);
      if (p == null) {
        continue;
      }
      Double min = null;
      Double max = null;
      Double mean = null;
      if (p instanceof com.amazon.deequ.profiles.NumericColumnProfile n) {
        min = n.minimum().isDefined() ? (Double) n.minimum().get() : null;
        max = n.maximum().isDefined() ? (Double) n.maximum().get() : null;
        mean = n.mean().isDefined() ? (Double) n.mean().get() : null;
      }
      out.add(new ColumnStats(column, p.dataType().toString(), p.completeness(), p.approximateNumDistinctValues(), min, max, mean));
    }
    return out;
  }

  private static String ageColumn(CheckSpec s) {
    return "_age_hours_" + s.column();
  }

  private static Check toDeequ(CheckSpec spec) {
    Check check =
        new Check(
            spec.action() == CheckSpec.Action.FAIL ? CheckLevel.Error() : CheckLevel.Warning(),
            spec.name(),
            JavaConverters.asScalaBuffer(new ArrayList<com.amazon.deequ.constraints.Constraint>()).toSeq());
    String col = spec.column();
    Option<String> hint = Option.apply(spec.name());
    return switch (spec.rule()) {
      case COMPLETENESS -> check.hasCompleteness(col, between(spec.min(), spec.max()), hint, Option.empty());
      case UNIQUE ->
          spec.columns().size() == 1
              ? check.isUnique(col, hint, Option.empty())
              : check.hasUniqueness(JavaConverters.asScalaBuffer(spec.columns()).toSeq(), between(1.0, 1.0), hint);
      case ROW_COUNT -> check.hasSize(between(spec.min(), spec.max()), hint);
      case MEAN -> check.hasMean(col, between(spec.min(), spec.max()), hint);
      case QUANTILE -> check.hasApproxQuantile(col, spec.quantile(), between(spec.min(), spec.max()), hint);
      case FRESHNESS -> check.hasMin(ageColumn(spec), between(null, spec.max()), hint, Option.empty());
      default -> throw new IllegalStateException("not a dataset rule: " + spec.rule());
    };
  }

  private static Function1<Object, Object> between(Double min, Double max) {
    return (Function1<Object, Object> & java.io.Serializable)
        v -> {
          double d = ((Number) v).doubleValue();
          return (min == null || d >= min) && (max == null || d <= max);
        };
  }

  private static Double metricValue(Option<Metric<?>> metric) {
    if (metric.isEmpty()) {
      return null;
    }
    var value = metric.get().value();
    if (value.isSuccess() && value.get() instanceof Number n) {
      return n.doubleValue();
    }
    return null;
  }
}
