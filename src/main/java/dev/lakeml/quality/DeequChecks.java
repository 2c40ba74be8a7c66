package dev.lakeml.quality;

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
 * Runs declared checks with Deequ in one pass over the data. The only class that sees Deequ's
 * Scala API: specs go in, plain Java outcomes come out.
 */
public final class DeequChecks {
  private DeequChecks() {}

  public static List<CheckOutcome> verify(Dataset<Row> data, List<CheckSpec> specs) {
    if (specs.isEmpty()) {
      return List.of();
    }
    Map<Check, CheckSpec> checks = new LinkedHashMap<>();
    for (CheckSpec spec : specs) {
      checks.put(toDeequ(spec), spec);
    }
    var builder = new VerificationSuite().onData(data);
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
      String message = passed ? "ok" : String.join("; ", messages);
      out.add(new CheckOutcome(spec.name(), spec.level(), passed, metric, message));
    }
    return out;
  }

  static Check toDeequ(CheckSpec spec) {
    var level = spec.level() == CheckSpec.Level.ERROR ? CheckLevel.Error() : CheckLevel.Warning();
    Check check =
        new Check(
            level,
            spec.name(),
            JavaConverters.asScalaBuffer(new ArrayList<com.amazon.deequ.constraints.Constraint>()).toSeq());
    String col = spec.column();
    Option<String> hint = Option.apply(spec.name());
    return switch (spec.type()) {
      case COMPLETE -> check.isComplete(col, hint, Option.empty());
      case COMPLETENESS -> check.hasCompleteness(col, between(spec.min(), spec.max()), hint, Option.empty());
      case UNIQUE ->
          spec.columns().size() == 1
              ? check.isUnique(col, hint, Option.empty())
              : check.hasUniqueness(
                  JavaConverters.asScalaBuffer(spec.columns()).toSeq(), between(1.0, 1.0), hint);
      case RANGE -> {
        Check c = check;
        if (spec.min() != null) {
          c = c.hasMin(col, between(spec.min(), null), hint, Option.empty());
        }
        if (spec.max() != null) {
          c = c.hasMax(col, between(null, spec.max()), hint, Option.empty());
        }
        yield c;
      }
      case ALLOWED_VALUES -> check.isContainedIn(col, spec.values().toArray(new String[0]), hint);
      case ROW_COUNT -> check.hasSize(longBetween(spec.min(), spec.max()), hint);
      case MEAN -> check.hasMean(col, between(spec.min(), spec.max()), hint);
      case PREDICATE ->
          check.satisfies(
              spec.predicate(),
              spec.name(),
              between(1.0, 1.0),
              hint,
              scala.collection.immutable.List$.MODULE$.empty(),
              Option.empty());
    };
  }

  private static Function1<Object, Object> between(Double min, Double max) {
    return (Function1<Object, Object> & java.io.Serializable)
        v -> {
          double d = ((Number) v).doubleValue();
          return (min == null || d >= min) && (max == null || d <= max);
        };
  }

  private static Function1<Object, Object> longBetween(Double min, Double max) {
    return between(min, max);
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
