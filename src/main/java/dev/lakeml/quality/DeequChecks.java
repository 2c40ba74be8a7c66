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

  /**
   * Column statistics with Deequ's analyzers: one aggregation pass for size, completeness,
   * approximate distinct count, min/max/mean/stddev and approximate quantiles of numeric columns;
   * then one grouping pass per categorical (string or boolean) column for its {@code topValues}
   * most frequent values. Columns whose name starts with {@code _} (lineage) and nested columns
   * are left out.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<ColumnProfile> profile(Dataset<Row> data, List<Double> quantiles, int topValues) {
    List<org.apache.spark.sql.types.StructField> fields = new ArrayList<>();
    for (var f : data.schema().fields()) {
      if (!f.name().startsWith("_") && !(f.dataType() instanceof org.apache.spark.sql.types.ArrayType)
          && !(f.dataType() instanceof org.apache.spark.sql.types.MapType) && !(f.dataType() instanceof org.apache.spark.sql.types.StructType)
          && !(f.dataType() instanceof org.apache.spark.sql.types.BinaryType)) {
        fields.add(f);
      }
    }
    List<com.amazon.deequ.analyzers.Analyzer> analyzers = new ArrayList<>();
    var size = new com.amazon.deequ.analyzers.Size(Option.empty());
    analyzers.add(size);
    Map<String, com.amazon.deequ.analyzers.Analyzer[]> perColumn = new LinkedHashMap<>();
    scala.collection.Seq<Object> qs = JavaConverters.asScalaBuffer(new ArrayList<Object>(quantiles)).toSeq();
    for (var f : fields) {
      String c = f.name();
      boolean numeric = f.dataType() instanceof org.apache.spark.sql.types.NumericType;
      boolean categorical = f.dataType() instanceof org.apache.spark.sql.types.StringType || f.dataType() instanceof org.apache.spark.sql.types.BooleanType;
      com.amazon.deequ.analyzers.Analyzer[] a = new com.amazon.deequ.analyzers.Analyzer[8];
      a[0] = new com.amazon.deequ.analyzers.Completeness(c, Option.empty(), Option.empty());
      a[1] = new com.amazon.deequ.analyzers.ApproxCountDistinct(c, Option.empty());
      if (numeric) {
        a[2] = new com.amazon.deequ.analyzers.Minimum(c, Option.empty(), Option.empty());
        a[3] = new com.amazon.deequ.analyzers.Maximum(c, Option.empty(), Option.empty());
        a[4] = new com.amazon.deequ.analyzers.Mean(c, Option.empty());
        a[5] = new com.amazon.deequ.analyzers.StandardDeviation(c, Option.empty());
        if (!quantiles.isEmpty()) {
          a[6] = new com.amazon.deequ.analyzers.ApproxQuantiles(c, qs, 0.01);
        }
      }
      if (categorical && topValues > 0) {
        a[7] =
            new com.amazon.deequ.analyzers.Histogram(
                c, Option.empty(), topValues, Option.empty(), false, com.amazon.deequ.analyzers.Histogram$.MODULE$.$lessinit$greater$default$6());
      }
      for (var x : a) {
        if (x != null) {
          analyzers.add(x);
        }
      }
      perColumn.put(c, a);
    }
    var context =
        com.amazon.deequ.analyzers.runners.AnalysisRunner.onData(data)
            .addAnalyzers((scala.collection.Seq) JavaConverters.asScalaBuffer(analyzers).toSeq())
            .run();
    Map<Object, Metric<?>> metrics = (Map) JavaConverters.mapAsJavaMap(context.metricMap());
    Double rowsMetric = metricValue(Option.apply(metrics.get(size)));
    long rows = rowsMetric == null ? 0 : rowsMetric.longValue();
    List<ColumnProfile> out = new ArrayList<>();
    for (var f : fields) {
      var a = perColumn.get(f.name());
      Double completeness = value(metrics, a[0]);
      Double distinct = value(metrics, a[1]);
      Map<String, Double> q = new java.util.TreeMap<>();
      if (a[6] != null && metrics.get(a[6]) != null && metrics.get(a[6]).value().isSuccess()) {
        Object v = metrics.get(a[6]).value().get();
        if (v instanceof scala.collection.Map<?, ?> m) {
          for (var e : JavaConverters.mapAsJavaMap((scala.collection.Map<Object, Object>) m).entrySet()) {
            q.put(String.valueOf(e.getKey()), ((Number) e.getValue()).doubleValue());
          }
        }
      }
      List<ColumnProfile.ValueCount> top = new ArrayList<>();
      if (a[7] != null && metrics.get(a[7]) != null && metrics.get(a[7]).value().isSuccess()) {
        var dist = (com.amazon.deequ.metrics.Distribution) metrics.get(a[7]).value().get();
        for (var e : JavaConverters.mapAsJavaMap(dist.values()).entrySet()) {
          top.add(new ColumnProfile.ValueCount(e.getKey(), e.getValue().absolute()));
        }
        top.sort(java.util.Comparator.comparingLong(ColumnProfile.ValueCount::count).reversed().thenComparing(ColumnProfile.ValueCount::value));
        if (top.size() > topValues) {
          top = new ArrayList<>(top.subList(0, topValues));
        }
      }
      out.add(
          new ColumnProfile(
              f.name(), f.dataType().simpleString(), rows, completeness == null ? (rows == 0 ? 1.0 : 0.0) : completeness,
              distinct == null ? 0 : distinct.longValue(), value(metrics, a[2]), value(metrics, a[3]), value(metrics, a[4]), value(metrics, a[5]), q, top));
    }
    return out;
  }

  private static Double value(Map<Object, Metric<?>> metrics, Object analyzer) {
    return analyzer == null ? null : metricValue(Option.apply(metrics.get(analyzer)));
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
