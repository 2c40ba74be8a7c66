package dev.lakeml.cli;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;

/** Runs analyst SQL against the catalog, turning Spark's errors into ones that say what to do. */
final class Sql {
  /** {@code layer.table VERSION AS OF n} (also {@code FOR SYSTEM_VERSION AS OF}, and with an alias after). */
  private static final Pattern VERSION_AS_OF =
      Pattern.compile("(?i)\\b([a-z_][a-z0-9_]*)\\.([a-z_][a-z0-9_]*)\\s+(?:FOR\\s+SYSTEM_VERSION\\s+|VERSION\\s+)AS\\s+OF\\s+(\\d+)");

  private static final Pattern NOT_FOUND = Pattern.compile("`?([A-Za-z_][A-Za-z0-9_]*)`?\\.`?([A-Za-z_][A-Za-z0-9_]*)`?");

  private Sql() {}

  /** Runs every statement of {@code script} in order, printing the result of each that returns rows. */
  static void print(Lakehouse lakehouse, String script, String format, int limit, PrintStream out) {
    List<String> statements = statements(script);
    if (statements.isEmpty()) {
      throw new LakemlException("Cannot run query: the SQL text holds no statement.", null, 2);
    }
    for (String statement : statements) {
      checkVersions(lakehouse, statement);
      try {
        var df = lakehouse.spark().sql(statement);
        if (statements.size() == 1 || df.columns().length > 0) {
          Output.print(df, format, limit, out);
        }
      } catch (LakemlException e) {
        throw e;
      } catch (Exception e) { // Spark throws the checked AnalysisException without declaring it
        throw explain(lakehouse, e);
      }
    }
  }

  /**
   * Checks {@code VERSION AS OF} references before Spark runs them, so the error names the range of
   * versions still kept instead of Delta's internal wording.
   */
  static void checkVersions(Lakehouse lakehouse, String statement) {
    Matcher m = VERSION_AS_OF.matcher(statement);
    while (m.find()) {
      TableId table = table(m.group(1), m.group(2));
      if (table == null) {
        continue;
      }
      if (!lakehouse.exists(table)) {
        throw missingTable(lakehouse, table.toString());
      }
      long version = Long.parseLong(m.group(3));
      long[] range = lakehouse.versionRange(table);
      if (version < range[0] || version > range[1]) {
        throw versionMissing(table, version, range[0], range[1]);
      }
    }
  }

  static LakemlException versionMissing(TableId table, long version, long earliest, long latest) {
    return new LakemlException(
        "Cannot read table " + table + " at version " + version + ": the earliest version still kept is " + earliest + " and the latest is " + latest
            + (version < earliest ? " (older versions were removed by log cleanup or VACUUM)" : "")
            + ". Use VERSION AS OF " + earliest + " to " + latest + "; ./scripts/lakeml history " + table + " lists them.");
  }

  static RuntimeException explain(Lakehouse lakehouse, Exception e) {
    String m = Lakeml.firstLine(e).replaceAll("\\s*SQLSTATE: \\w+\\s*", " ").trim();
    if (m.contains("TABLE_OR_VIEW_NOT_FOUND")) {
      Matcher n = NOT_FOUND.matcher(m.substring(m.indexOf("TABLE_OR_VIEW_NOT_FOUND")));
      if (n.find() && table(n.group(1), n.group(2)) != null) {
        return missingTable(lakehouse, n.group(1).toLowerCase(Locale.ROOT) + "." + n.group(2).toLowerCase(Locale.ROOT));
      }
      return new LakemlException("Cannot run query: " + m + " List the tables with: ./scripts/lakeml sql \"SHOW TABLES IN gold\" (or bronze, silver, ops).");
    }
    if (m.contains("time travel") || m.contains("VersionNotFound") || m.contains("DELTA_VERSION") || m.contains("DELTA_TIMESTAMP") || m.contains("FileNotFound")) {
      return new LakemlException("Cannot run query: " + m + " Run ./scripts/lakeml history <layer.table> to see the versions kept.");
    }
    if (e instanceof AnalysisException) {
      return new LakemlException("Cannot run query: " + m);
    }
    return e instanceof RuntimeException r ? r : new LakemlException("Cannot run query: " + m, e);
  }

  /** "Cannot read table gold.x: it is not in the catalog. Tables and views in gold: a, b." */
  static LakemlException missingTable(Lakehouse lakehouse, String name) {
    String layer = name.substring(0, name.indexOf('.'));
    List<String> names = new ArrayList<>();
    if (lakehouse.spark().catalog().databaseExists(layer)) {
      for (Row r : lakehouse.spark().sql("SHOW TABLES IN " + layer).collectAsList()) {
        if (!r.getBoolean(2)) {
          names.add(layer + "." + r.getString(1));
        }
      }
    }
    return new LakemlException(
        "Cannot read table " + name + ": it is not in the catalog of lakehouse " + lakehouse.root() + ". "
            + (names.isEmpty() ? "Layer " + layer + " holds no tables yet (run ./scripts/lakeml run, or check --root)." : "Tables and views in " + layer + ": " + String.join(", ", names) + "."));
  }

  private static TableId table(String layer, String name) {
    for (Layer l : Layer.values()) {
      if (l.dbName().equalsIgnoreCase(layer) && name.matches("(?i)[a-z_][a-z0-9_]*")) {
        return TableId.of(l, name.toLowerCase(Locale.ROOT));
      }
    }
    return null;
  }

  /** Splits a script on {@code ;} outside quotes and comments; blank statements are dropped. */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < script.length(); i++) {
      char c = script.charAt(i);
      if (quote != 0) {
        cur.append(c);
        if (c == '\\' && i + 1 < script.length()) {
          cur.append(script.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        cur.append(c);
      } else if (c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
        while (i < script.length() && script.charAt(i) != '\n') {
          i++;
        }
        cur.append('\n');
      } else if (c == ';') {
        add(out, cur);
      } else {
        cur.append(c);
      }
    }
    add(out, cur);
    return out;
  }

  private static void add(List<String> out, StringBuilder cur) {
    String s = cur.toString().strip();
    if (!s.isEmpty()) {
      out.add(s);
    }
    cur.setLength(0);
  }
}
