package dev.lakeml.features;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.config.PipelineSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Silver to the gold feature table, one row per entity. Trailing aggregates are point-in-time
 * correct: a row dated D sees only rows dated D-days .. D-1, never its own day or later, so a model
 * trained on them never learns from the future.
 */
public final class PointInTimeFeatures {
  public static final String EVENT_DATE = "event_date";

  private PointInTimeFeatures() {}

  public static Dataset<Row> build(Dataset<Row> silver, String key, PipelineSpec.Features spec) {
    Dataset<Row> base = base(silver, spec);
    Dataset<Row> out = base;
    for (PipelineSpec.Trailing t : spec.trailing()) {
      out = out.join(trailing(base, t, spec.label()), joinColumns(t), "left");
      Column value = col(t.name());
      out = out.withColumn(t.name(), t.aggregate() == PipelineSpec.Aggregate.COUNT ? coalesce(value, lit(0L)) : value);
    }
    List<Column> keep = new ArrayList<>();
    keep.add(col(key));
    keep.add(col(EVENT_DATE));
    keep.add(col(spec.label()));
    for (String c : silver.columns()) {
      if (!c.equals(key) && !c.startsWith("_") && !c.equals(spec.label()) && !c.equals(EVENT_DATE)) {
        keep.add(col(c));
      }
    }
    for (String c : spec.columns().keySet()) {
      if (!List.of(silver.columns()).contains(c)) {
        keep.add(col(c));
      }
    }
    for (PipelineSpec.Trailing t : spec.trailing()) {
      keep.add(col(t.name()));
    }
    return out.select(keep.toArray(new Column[0]));
  }

  /**
   * Silver rows with the event date, the label and the spec's row-wise columns: everything of a
   * gold row except the trailing aggregates. Batch ({@link #build}) and single-record scoring
   * ({@link TrailingHistory}) both start here.
   */
  public static Dataset<Row> base(Dataset<Row> silver, PipelineSpec.Features spec) {
    Dataset<Row> base =
        silver
            .withColumn(EVENT_DATE, expr(spec.eventDate()).cast("date"))
            .withColumn(spec.label(), expr(spec.labelExpr()).cast(spec.labelType()));
    for (Map.Entry<String, String> c : spec.columns().entrySet()) {
      base = base.withColumn(c.getKey(), expr(c.getValue()));
    }
    return base;
  }

  /**
   * Per (group, day) of {@code base}: the row count {@code _n}, the sum {@code _s} of the aggregated
   * value (0 for counts) and the day number {@code _day} (days since 1970-01-01).
   */
  public static Dataset<Row> daily(Dataset<Row> base, PipelineSpec.Trailing t, String label) {
    String of = t.of() == null ? label : t.of();
    List<Column> dayGroups = new ArrayList<>();
    for (String g : t.groupBy()) {
      dayGroups.add(col(g));
    }
    dayGroups.add(col(EVENT_DATE));
    return base.groupBy(dayGroups.toArray(new Column[0]))
        .agg(count(lit(1)).as("_n"), sum(t.aggregate() == PipelineSpec.Aggregate.MEAN ? col(of).cast("double") : lit(0.0)).as("_s"))
        .withColumn("_day", datediff(col(EVENT_DATE), lit("1970-01-01")));
  }

  /** Per (group, day): the aggregate over the {@code days} days strictly before that day. */
  static Dataset<Row> trailing(Dataset<Row> base, PipelineSpec.Trailing t, String label) {
    List<Column> groups = new ArrayList<>();
    for (String g : t.groupBy()) {
      groups.add(col(g));
    }
    List<Column> dayGroups = new ArrayList<>(groups);
    dayGroups.add(col(EVENT_DATE));
    if (t.aggregate() != PipelineSpec.Aggregate.COUNT && t.aggregate() != PipelineSpec.Aggregate.MEAN) {
      return trailingOfValues(base, t, t.of() == null ? label : t.of(), groups, dayGroups);
    }
    Dataset<Row> daily = daily(base, t, label);
    WindowSpec window =
        Window.partitionBy(groups.toArray(new Column[0])).orderBy(col("_day")).rangeBetween(-t.days(), -1);
    Column n = sum(col("_n")).over(window);
    Column s = sum(col("_s")).over(window);
    Column value =
        t.aggregate() == PipelineSpec.Aggregate.COUNT
            ? coalesce(n, lit(0L))
            : when(n.isNull().or(n.equalTo(0)), lit(null).cast("double")).otherwise(s.divide(n));
    List<Column> sel = new ArrayList<>(dayGroups);
    sel.add(value.as(t.name()));
    return daily.select(sel.toArray(new Column[0]));
  }

  /**
   * SUM, MIN, MAX over the non-null values of {@code of} in the days strictly before; LAG is the
   * (daily mean) value exactly {@code days} days before. Null when the window holds no value.
   */
  private static Dataset<Row> trailingOfValues(Dataset<Row> base, PipelineSpec.Trailing t, String of, List<Column> groups, List<Column> dayGroups) {
    Column v = col(of).cast("double");
    Dataset<Row> daily =
        base.groupBy(dayGroups.toArray(new Column[0]))
            .agg(count(v).as("_n"), sum(v).as("_s"), min(v).as("_min"), max(v).as("_max"))
            .withColumn("_day", datediff(col(EVENT_DATE), lit("1970-01-01")));
    boolean lag = t.aggregate() == PipelineSpec.Aggregate.LAG;
    WindowSpec window =
        Window.partitionBy(groups.toArray(new Column[0])).orderBy(col("_day")).rangeBetween(-t.days(), lag ? -t.days() : -1);
    Column n = sum(col("_n")).over(window);
    Column value =
        switch (t.aggregate()) {
          case SUM -> sum(col("_s")).over(window);
          case MIN -> min(col("_min")).over(window);
          case MAX -> max(col("_max")).over(window);
          default -> sum(col("_s")).over(window).divide(n);
        };
    List<Column> sel = new ArrayList<>(dayGroups);
    sel.add(when(n.isNull().or(n.equalTo(0)), lit(null).cast("double")).otherwise(value).as(t.name()));
    return daily.select(sel.toArray(new Column[0]));
  }

  private static scala.collection.Seq<String> joinColumns(PipelineSpec.Trailing t) {
    List<String> cols = new ArrayList<>(t.groupBy());
    cols.add(EVENT_DATE);
    return scala.collection.JavaConverters.asScalaBuffer(cols).toSeq();
  }
}
