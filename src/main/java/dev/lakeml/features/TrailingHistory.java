package dev.lakeml.features;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.config.PipelineSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The spec's trailing aggregates for one record at a time, from the same daily aggregates as
 * {@link PointInTimeFeatures#build} (collected once into memory): for a record dated D, the
 * aggregate over its group's rows dated D-days .. D-1, exactly as the batch window computes it — a
 * count is 0 and a mean is null when the group had no row in the window, or a group value is null.
 *
 * <p>Memory: one entry per (group, day) present in the history, per trailing aggregate.
 */
public final class TrailingHistory {
  private final PipelineSpec.Features spec;
  // trailing name -> group values -> day number -> {n, s, 1 if s is not null}
  private final Map<String, Map<List<Object>, NavigableMap<Integer, double[]>>> byTrailing = new LinkedHashMap<>();

  private TrailingHistory(PipelineSpec.Features spec) {
    this.spec = spec;
  }

  /** Collects the daily aggregates of {@code silver} (the history the gold table was built from). */
  public static TrailingHistory of(Dataset<Row> silver, PipelineSpec.Features spec) {
    TrailingHistory h = new TrailingHistory(spec);
    Dataset<Row> base = PointInTimeFeatures.base(silver, spec).persist();
    try {
      for (PipelineSpec.Trailing t : spec.trailing()) {
        List<Column> sel = new ArrayList<>();
        for (String g : t.groupBy()) {
          sel.add(col(g));
        }
        sel.add(col("_day"));
        sel.add(col("_n"));
        sel.add(col("_s"));
        Map<List<Object>, NavigableMap<Integer, double[]>> groups = new HashMap<>();
        int k = t.groupBy().size();
        for (Row r : PointInTimeFeatures.daily(base, t, spec.label()).select(sel.toArray(new Column[0])).collectAsList()) {
          List<Object> group = new ArrayList<>(k);
          boolean nullGroup = false;
          for (int i = 0; i < k; i++) {
            group.add(r.get(i));
            nullGroup |= r.isNullAt(i);
          }
          if (nullGroup || r.isNullAt(k)) {
            continue; // the batch join never matches a null group value or a null day either
          }
          groups.computeIfAbsent(group, g -> new TreeMap<>()).put(r.getInt(k), new double[] {r.getLong(k + 1), r.isNullAt(k + 2) ? 0.0 : r.getDouble(k + 2), r.isNullAt(k + 2) ? 0 : 1});
        }
        h.byTrailing.put(t.name(), groups);
      }
    } finally {
      base.unpersist();
    }
    return h;
  }

  /**
   * The trailing aggregates of a record dated {@code eventDate} whose group columns hold
   * {@code values} (by column name): {@code Long} for counts, {@code Double} (or null) for means.
   */
  public Map<String, Object> values(Map<String, Object> values, LocalDate eventDate) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (PipelineSpec.Trailing t : spec.trailing()) {
      List<Object> group = new ArrayList<>();
      boolean nullGroup = eventDate == null;
      for (String g : t.groupBy()) {
        Object v = values.get(g);
        group.add(v);
        nullGroup |= v == null;
      }
      long n = 0;
      double s = 0.0;
      boolean anySum = false; // Spark's sum is null when every summed value is null
      NavigableMap<Integer, double[]> daysOfGroup = nullGroup ? null : byTrailing.get(t.name()).get(group);
      if (daysOfGroup != null) {
        int day = (int) eventDate.toEpochDay();
        for (double[] ns : daysOfGroup.subMap(day - t.days(), true, day - 1, true).values()) {
          n += (long) ns[0];
          s += ns[1];
          anySum |= ns[2] > 0;
        }
      }
      if (t.aggregate() == PipelineSpec.Aggregate.COUNT) {
        out.put(t.name(), n);
      } else {
        out.put(t.name(), n == 0 || !anySum ? null : s / n);
      }
    }
    return out;
  }

  /** (group, day) entries held, over all trailing aggregates. */
  public long size() {
    long n = 0;
    for (var groups : byTrailing.values()) {
      for (var d : groups.values()) {
        n += d.size();
      }
    }
    return n;
  }
}
