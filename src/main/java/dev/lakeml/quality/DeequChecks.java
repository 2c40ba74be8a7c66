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

  /** The verdicts of the dataset rules, and the metrics the history rules compare over versions. */
  record Verified(List<CheckOutcome> outcomes, Map<String, Double> metrics) {}

  /**
   * Verdicts of the {@link CheckSpec.Kind#DATASET} rules in {@code specs} ({@code now} dates
   * freshness), and the metrics of the history rules: {@code row_count} always, {@code
   * null_rate(col)} for each column a {@code null_rate_jump} rule watches. Deequ computes them
   * together: one aggregation pass over {@code data}, plus one grouping pass per set of columns a
   * uniqueness rule names.
   */
  static Verified verify(Dataset<Row> data, List<CheckSpec> specs, Instant now) {
    List<CheckSpec> dataset = specs.stream().filter(s -> s.kind() == CheckSpec.Kind.DATASET).toList();
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
    var size = new com.amazon.deequ.analyzers.Size(Option.empty());
    Map<String, com.amazon.deequ.analyzers.Analyzer<?, ?>> measured = new LinkedHashMap<>();
    measured.put("row_count", size);
    for (CheckSpec r : specs) {
      if (r.rule() == CheckSpec.Rule.NULL_RATE_JUMP) {
        measured.putIfAbsent(
            AnomalyRules.metricName(r),
            new com.amazon.deequ.analyzers.Compliance(
                "null_rate " + r.column(), "`" + r.column().replace("`", "``") + "` IS NULL", Option.empty(),
                scala.collection.immutable.List$.MODULE$.empty(), Option.empty()));
      }
    }
    var builder = new VerificationSuite().onData(input);
    for (Check c : checks.keySet()) {
      builder = builder.addCheck(c);
    }
    for (var a : measured.values()) {
      builder = builder.addRequiredAnalyzer(requiredAnalyzer(a));
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
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map<Object, Metric<?>> metrics = (Map) JavaConverters.mapAsJavaMap(result.metrics());
    Metric<?> sizeMetric = metrics.get(size);
    if (sizeMetric == null || sizeMetric.value().isFailure()) {
      // Deequ reports a failed scan as a failed metric: say so, rather than record 0 rows.
      Throwable cause = sizeMetric == null ? null : sizeMetric.value().failed().get();
      throw new dev.lakeml.LakemlException(
          "Could not read the rows to audit" + (cause == null ? "" : ": " + cause.getMessage()) + ". Nothing was committed; fix the cause and run the stage again.",
          cause);
    }
    double rows = ((Number) sizeMetric.value().get()).doubleValue();
    Map<String, Double> values = new LinkedHashMap<>();
    for (Map.Entry<String, com.amazon.deequ.analyzers.Analyzer<?, ?>> e : measured.entrySet()) {
      Double v = metricValue(Option.apply(metrics.get(e.getValue())));
      values.put(e.getKey(), e.getValue() == size ? rows : rows == 0 || v == null ? 0.0 : v); // a null rate of no rows is 0
    }
    return new Verified(out, values);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static com.amazon.deequ.analyzers.Analyzer<?, Metric<?>> requiredAnalyzer(com.amazon.deequ.analyzers.Analyzer<?, ?> a) {
    return (com.amazon.deequ.analyzers.Analyzer) a;
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
   * then one grouped count for the {@code topValues} most frequent values of every categorical
   * (string or boolean) column ({@link #topValues}). Columns whose name starts with {@code _}
   * (lineage) and nested columns are left out.
   */
  static List<ColumnProfile> profile(Dataset<Row> data, List<Double> quantiles, int topValues) {
    return profile(data, quantiles, topValues, null, null, null).orElseThrow();
  }

  /**
   * {@link #profile(Dataset, List, int)} whose aggregation-pass analyzers keep their states with
   * Deequ's {@code HdfsStateProvider} (files {@code <prefix>-<analyzer hash>.bin}).
   *
   * <p>With {@code mergeStatesFrom} null, the pass reads {@code data} and persists the states under
   * {@code saveStatesTo} (when not null). Otherwise {@code data} is {@code added} plus the rows whose
   * states were saved under {@code mergeStatesFrom} with the same {@link #stateKey}: the pass reads
   * only {@code added}, merges its states with the stored ones (Deequ's own merge: sums, minima,
   * HyperLogLog registers, quantile digests) and persists the merged states under {@code
   * saveStatesTo}. Empty when a stored state could not be loaded or merged, so the caller profiles
   * {@code data} whole instead.
   *
   * <p>The top values still come from a grouping pass over {@code data} ({@link #topValues}). Deequ
   * can keep them too (each column's table of value counts, as Parquet), but loading, joining and
   * writing those tables took as long at 3M rows as counting the column again (6.6 s against 6.8 s
   * for silver.flights' three string columns), and writing them made a whole profile 1–2 s longer
   * per table (one run each).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static java.util.Optional<List<ColumnProfile>> profile(
      Dataset<Row> data, List<Double> quantiles, int topValues, String saveStatesTo, String mergeStatesFrom, Dataset<Row> added) {
    Plan plan = plan(data.schema(), quantiles, topValues);
    var spark = data.sparkSession();
    Option<com.amazon.deequ.analyzers.StateLoader> loader =
        mergeStatesFrom == null ? Option.empty() : Option.apply(new com.amazon.deequ.analyzers.HdfsStateProvider(spark, mergeStatesFrom, 1, false));
    Option<com.amazon.deequ.analyzers.StatePersister> persister =
        saveStatesTo == null ? Option.empty() : Option.apply(new com.amazon.deequ.analyzers.HdfsStateProvider(spark, saveStatesTo, 1, true));
    Map<Object, Metric<?>> metrics = new java.util.HashMap<>();
    if (mergeStatesFrom == null) {
      metrics.putAll(run(data, plan.scanned(), loader, persister));
    } else {
      try {
        metrics.putAll(run(added, plan.scanned(), loader, persister));
      } catch (Exception e) { // a state file Deequ could not read (lost, or another format)
        return java.util.Optional.empty();
      }
      if (plan.scanned().stream().anyMatch(a -> metrics.get(a) == null || metrics.get(a).value().isFailure())) {
        return java.util.Optional.empty(); // a state Deequ could not load or merge, reported as a failed metric
      }
    }
    return java.util.Optional.of(plan.columns(metrics, topValues(data, plan.categorical(), topValues)));
  }

  /**
   * The {@code n} most frequent values of each of {@code columns}, most frequent first, then by
   * value: what Deequ's {@code Histogram} gives (values cast to string, a null counted as {@code
   * NullValue}, the same order), from one grouped count of (column, value) pairs over {@code data}.
   * Deequ runs a histogram per column, each grouping the data twice (its top rows, its number of
   * bins): at 3M rows, silver.flights' three string columns took 6 jobs and ~4 s after the
   * aggregation pass. The rank filter is Spark's window group limit: each partition keeps only
   * its top {@code n} per column before the ranking's shuffle, so a column of many distinct
   * values (a string key) is not gathered into one task.
   */
  static Map<String, List<ColumnProfile.ValueCount>> topValues(Dataset<Row> data, List<String> columns, int n) {
    Map<String, List<ColumnProfile.ValueCount>> top = new LinkedHashMap<>();
    columns.forEach(c -> top.put(c, new ArrayList<>()));
    if (columns.isEmpty() || n <= 0) {
      return top;
    }
    StringBuilder pairs = new StringBuilder("stack(").append(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      pairs.append(", ").append(i).append(", coalesce(cast(`").append(columns.get(i).replace("`", "``")).append("` AS STRING), '")
          .append(com.amazon.deequ.analyzers.Histogram$.MODULE$.NullFieldReplacement()).append("')");
    }
    pairs.append(") AS (_column, _value)");
    var rank = org.apache.spark.sql.expressions.Window.partitionBy("_column").orderBy(col("_count").desc(), col("_value").asc());
    List<Row> rows =
        data.selectExpr(pairs.toString())
            .groupBy("_column", "_value")
            .agg(org.apache.spark.sql.functions.count(lit(1)).as("_count"))
            .withColumn("_rank", org.apache.spark.sql.functions.row_number().over(rank))
            .filter(col("_rank").leq(n))
            .collectAsList();
    for (Row r : rows) {
      top.get(columns.get(r.getInt(0))).add(new ColumnProfile.ValueCount(r.getString(1), r.getLong(2)));
    }
    top.values().forEach(l -> l.sort(java.util.Comparator.comparingLong(ColumnProfile.ValueCount::count).reversed().thenComparing(ColumnProfile.ValueCount::value)));
    return top;
  }

  /**
   * Names the analyzers {@link #profile} runs over a table of {@code schema}: stored states merge
   * only with states of the same key (same columns, types and analyzers).
   */
  static String stateKey(org.apache.spark.sql.types.StructType schema, List<Double> quantiles, int topValues) {
    Plan plan = plan(schema, quantiles, topValues);
    StringBuilder s = new StringBuilder();
    plan.fields().forEach(f -> s.append(f.name()).append(':').append(f.dataType().simpleString()).append(';'));
    plan.scanned().forEach(a -> s.append(a).append(';'));
    return Integer.toHexString(s.toString().hashCode()); // String.hashCode is specified, so stable across JVMs
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Map<Object, Metric<?>> run(
      Dataset<Row> data,
      List<com.amazon.deequ.analyzers.Analyzer<?, ?>> analyzers,
      Option<com.amazon.deequ.analyzers.StateLoader> loader,
      Option<com.amazon.deequ.analyzers.StatePersister> persister) {
    var analysis = com.amazon.deequ.analyzers.Analysis.apply((scala.collection.Seq) JavaConverters.asScalaBuffer(new ArrayList<>(analyzers)).toSeq());
    var context = com.amazon.deequ.analyzers.runners.AnalysisRunner.run(data, analysis, loader, persister, org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    return (Map) JavaConverters.mapAsJavaMap(context.metricMap());
  }

  /**
   * The analyzers of a profile: per column {@code [completeness, distinct, min, max, mean,
   * stddev]} (null where a type has none) and one {@code ApproxQuantile} per level, which Deequ's
   * state provider can store (its {@code ApproxQuantiles} it cannot); Spark computes the digest of
   * a column once for all its levels, as they are the same aggregate. The min and max are that
   * digest's levels 0 and 1: exact, not approximate. {@code categorical}: the columns whose top
   * values are counted.
   */
  private record Plan(
      com.amazon.deequ.analyzers.Size size,
      List<org.apache.spark.sql.types.StructField> fields,
      Map<String, com.amazon.deequ.analyzers.Analyzer<?, ?>[]> perColumn,
      Map<String, List<com.amazon.deequ.analyzers.ApproxQuantile>> quantilesOf,
      List<com.amazon.deequ.analyzers.Analyzer<?, ?>> scanned,
      List<String> categorical) {

    List<ColumnProfile> columns(Map<Object, Metric<?>> metrics, Map<String, List<ColumnProfile.ValueCount>> topValues) {
      Double rowsMetric = value(metrics, size);
      long rows = rowsMetric == null ? 0 : rowsMetric.longValue();
      List<ColumnProfile> out = new ArrayList<>();
      for (var f : fields) {
        var a = perColumn.get(f.name());
        Double completeness = value(metrics, a[0]);
        Double distinct = value(metrics, a[1]);
        Map<String, Double> q = new java.util.TreeMap<>();
        for (var qa : quantilesOf.get(f.name())) {
          Double v = value(metrics, qa);
          if (v != null) {
            q.put(String.valueOf(qa.quantile()), v);
          }
        }
        List<ColumnProfile.ValueCount> top = topValues.getOrDefault(f.name(), List.of());
        out.add(
            new ColumnProfile(
                f.name(), f.dataType().simpleString(), rows, completeness == null ? (rows == 0 ? 1.0 : 0.0) : completeness,
                distinct == null ? 0 : distinct.longValue(), value(metrics, a[2]), value(metrics, a[3]), value(metrics, a[4]), value(metrics, a[5]), q, top));
      }
      return out;
    }
  }

  private static Plan plan(org.apache.spark.sql.types.StructType schema, List<Double> quantiles, int topValues) {
    List<org.apache.spark.sql.types.StructField> fields = new ArrayList<>();
    for (var f : schema.fields()) {
      if (!f.name().startsWith("_") && !(f.dataType() instanceof org.apache.spark.sql.types.ArrayType)
          && !(f.dataType() instanceof org.apache.spark.sql.types.MapType) && !(f.dataType() instanceof org.apache.spark.sql.types.StructType)
          && !(f.dataType() instanceof org.apache.spark.sql.types.BinaryType)) {
        fields.add(f);
      }
    }
    var size = new com.amazon.deequ.analyzers.Size(Option.empty());
    List<com.amazon.deequ.analyzers.Analyzer<?, ?>> scanned = new ArrayList<>(List.of(size));
    List<String> categorical = new ArrayList<>();
    Map<String, com.amazon.deequ.analyzers.Analyzer<?, ?>[]> perColumn = new LinkedHashMap<>();
    Map<String, List<com.amazon.deequ.analyzers.ApproxQuantile>> quantilesOf = new LinkedHashMap<>();
    for (var f : fields) {
      String c = f.name();
      boolean numeric = f.dataType() instanceof org.apache.spark.sql.types.NumericType;
      boolean isCategorical = f.dataType() instanceof org.apache.spark.sql.types.StringType || f.dataType() instanceof org.apache.spark.sql.types.BooleanType;
      com.amazon.deequ.analyzers.Analyzer<?, ?>[] a = new com.amazon.deequ.analyzers.Analyzer<?, ?>[6];
      a[0] = new com.amazon.deequ.analyzers.Completeness(c, Option.empty(), Option.empty());
      a[1] = new com.amazon.deequ.analyzers.ApproxCountDistinct(c, Option.empty());
      List<com.amazon.deequ.analyzers.ApproxQuantile> qs = new ArrayList<>();
      if (numeric) {
        // The extremes from the column's quantile digest, which keeps its smallest and largest
        // values exactly (Spark's QuantileSummaries, through merges too) and is computed anyway:
        // Deequ's Minimum and Maximum wrap every value in an array first, and cost a third of the
        // whole pass at 3M rows (4.4 of 12.3 s warm over gold.flight_features).
        // A NaN has no place in the digest's order: every level of a floating-point column leaves
        // it out (one condition for all, so they still share one digest).
        boolean floating = f.dataType() instanceof org.apache.spark.sql.types.DoubleType || f.dataType() instanceof org.apache.spark.sql.types.FloatType;
        Option<String> ordered = floating ? Option.apply("NOT isnan(`" + c.replace("`", "``") + "`)") : Option.empty();
        a[2] = new com.amazon.deequ.analyzers.ApproxQuantile(c, 0.0, 0.01, ordered);
        a[3] = new com.amazon.deequ.analyzers.ApproxQuantile(c, 1.0, 0.01, ordered);
        a[4] = new com.amazon.deequ.analyzers.Mean(c, Option.empty());
        a[5] = new com.amazon.deequ.analyzers.StandardDeviation(c, Option.empty());
        for (double q : quantiles) {
          qs.add(new com.amazon.deequ.analyzers.ApproxQuantile(c, q, 0.01, ordered));
        }
      }
      if (isCategorical && topValues > 0) {
        categorical.add(c);
      }
      for (int i = 0; i < 6; i++) {
        if (a[i] != null) {
          scanned.add(a[i]);
        }
      }
      scanned.addAll(qs);
      perColumn.put(c, a);
      quantilesOf.put(c, qs);
    }
    return new Plan(size, fields, perColumn, quantilesOf, scanned, categorical);
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
