package dev.lakeml.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Per-column statistics of a table version, computed by Deequ's column profiler. */
public final class TableProfiler {
  /** The printed columns, in order. */
  public static final List<String> HEADER = List.of("column", "type", "completeness", "approx_distinct", "min", "max", "mean");

  private TableProfiler() {}

  /** Column statistics of {@code data} as rows: column, type, completeness, distinct, min, max, mean. */
  public static List<String[]> profile(Dataset<Row> data) {
    List<String[]> out = new ArrayList<>();
    for (DeequChecks.ColumnStats c : DeequChecks.profile(data)) {
      out.add(
          new String[] {
            c.column(), c.type(), String.format(Locale.ROOT, "%.4f", c.completeness()), String.valueOf(c.approxDistinct()), str(c.min()), str(c.max()), str(c.mean())
          });
    }
    return out;
  }

  private static String str(Double d) {
    return d == null ? "" : String.format(Locale.ROOT, "%.4g", d);
  }
}
