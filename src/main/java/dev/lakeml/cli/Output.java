package dev.lakeml.cli;

import dev.lakeml.Errors;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Prints a result set as an aligned table, CSV or JSON lines. */
final class Output {
  private Output() {}

  static void print(Dataset<Row> df, String format, int limit, PrintStream out) {
    switch (format) {
      case "table" -> printTable(df, limit, out);
      case "json" -> df.limit(limit).toJSON().collectAsList().forEach(out::println);
      case "csv" -> {
        out.println(String.join(",", List.of(df.columns()).stream().map(Output::csv).toList()));
        for (Row r : df.limit(limit).collectAsList()) {
          List<String> cells = new ArrayList<>();
          for (int i = 0; i < r.size(); i++) {
            cells.add(csv(r.isNullAt(i) ? "" : String.valueOf(r.get(i))));
          }
          out.println(String.join(",", cells));
        }
      }
      default -> throw Errors.usage("Unknown --format '" + format + "': use table, csv or json.");
    }
    out.flush();
  }

  private static void printTable(Dataset<Row> df, int limit, PrintStream out) {
    String[] cols = df.columns();
    List<Row> rows = df.limit(limit + 1).collectAsList();
    boolean more = rows.size() > limit;
    if (more) {
      rows = rows.subList(0, limit);
    }
    int[] width = new int[cols.length];
    List<String[]> cells = new ArrayList<>();
    for (int i = 0; i < cols.length; i++) {
      width[i] = cols[i].length();
    }
    for (Row r : rows) {
      String[] c = new String[cols.length];
      for (int i = 0; i < cols.length; i++) {
        String v = r.isNullAt(i) ? "NULL" : String.valueOf(r.get(i));
        c[i] = v.length() > 60 ? v.substring(0, 57) + "..." : v;
        width[i] = Math.max(width[i], c[i].length());
      }
      cells.add(c);
    }
    StringBuilder sep = new StringBuilder("+");
    for (int w : width) {
      sep.append("-".repeat(w + 2)).append('+');
    }
    out.println(sep);
    out.println(line(cols, width));
    out.println(sep);
    for (String[] c : cells) {
      out.println(line(c, width));
    }
    out.println(sep);
    out.println(rows.size() + (more ? "+ rows (showing the first " + limit + "; use --limit)" : rows.size() == 1 ? " row" : " rows"));
  }

  private static String line(String[] values, int[] width) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < values.length; i++) {
      b.append(' ').append(values[i]).append(" ".repeat(width[i] - values[i].length())).append(" |");
    }
    return b.toString();
  }

  private static String csv(String v) {
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
