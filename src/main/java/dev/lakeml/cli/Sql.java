package dev.lakeml.cli;

import dev.lakeml.LakemlException;
import dev.lakeml.lakehouse.Lakehouse;
import java.io.PrintStream;
import org.apache.spark.sql.AnalysisException;

/** Runs analyst SQL against the catalog, turning Spark's errors into ones that say what to do. */
final class Sql {
  private Sql() {}

  static void print(Lakehouse lakehouse, String query, String format, int limit, PrintStream out) {
    try {
      Output.print(lakehouse.spark().sql(query), format, limit, out);
    } catch (LakemlException e) {
      throw e;
    } catch (Exception e) { // Spark throws the checked AnalysisException without declaring it
      throw explain(e);
    }
  }

  static RuntimeException explain(Exception e) {
    String m = Lakeml.firstLine(e).replaceAll("\\s*SQLSTATE: \\w+\\s*", " ").trim();
    if (m.contains("TABLE_OR_VIEW_NOT_FOUND")) {
      return new LakemlException("Cannot run query: " + m + " List the tables with: ./scripts/lakeml sql \"SHOW TABLES IN gold\" (or bronze, silver, ops).");
    }
    if (m.contains("time travel") || m.contains("VersionNotFound") || m.contains("DELTA_VERSION") || m.contains("DELTA_TIMESTAMP")) {
      return new LakemlException("Cannot run query: " + m + " Run ./scripts/lakeml history <layer.table> to see the versions kept.");
    }
    if (e instanceof AnalysisException) {
      return new LakemlException("Cannot run query: " + m);
    }
    return e instanceof RuntimeException r ? r : new LakemlException("Cannot run query: " + m, e);
  }
}
