package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.Errors;
import dev.lakeml.delta.TableId;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Read-side commands on tables: history, show, sql. */
final class TableCommands {
  private TableCommands() {}

  static final class History implements Command {
    public String name() {
      return "history";
    }

    public String usage() {
      return "history <layer.table>   the table's versions: operation, metrics, lineage";
    }

    public Set<String> options() {
      return Set.of("limit", "format");
    }

    public int run(CommandContext ctx) {
      TableId t = TableId.parse(ctx.arg("history <layer.table>"));
      Dataset<Row> h =
          ctx.lakehouse().history(t).selectExpr("version", "timestamp", "operation", "operationMetrics", "userMetadata").orderBy(col("version").desc());
      Output.print(h, ctx.option("format", "table"), ctx.intOption("limit", 50), ctx.out());
      return 0;
    }
  }

  static final class Show implements Command {
    public String name() {
      return "show";
    }

    public String usage() {
      return "show <layer.table>      rows of a table [--version N | --timestamp T] [--limit N] [--format table|csv|json]";
    }

    public Set<String> options() {
      return Set.of("version", "timestamp", "limit", "format");
    }

    public int run(CommandContext ctx) {
      TableId t = TableId.parse(ctx.arg("show <layer.table>"));
      if (ctx.flag("version") && ctx.flag("timestamp")) {
        throw Errors.usage("Give --version or --timestamp, not both.");
      }
      Dataset<Row> df =
          ctx.flag("version")
              ? ctx.lakehouse().read(t, ctx.longOption("version", 0))
              : ctx.flag("timestamp") ? ctx.lakehouse().readAsOfTimestamp(t, ctx.option("timestamp", null)) : ctx.lakehouse().read(t);
      Output.print(df, ctx.option("format", "table"), ctx.intOption("limit", 20), ctx.out());
      return 0;
    }
  }

  static final class SqlQuery implements Command {
    public String name() {
      return "sql";
    }

    public String usage() {
      return "sql \"<query>\"           Spark SQL on tables by name, VERSION AS OF / TIMESTAMP AS OF [--file f.sql] [--format table|csv|json] [--limit N]";
    }

    public Set<String> options() {
      return Set.of("file", "format", "limit");
    }

    public int run(CommandContext ctx) {
      String query = ctx.flag("file") ? readFile(ctx.option("file", null)) : ctx.arg("sql \"<query>\"");
      Sql.print(ctx.lakehouse(), query, ctx.option("format", "table"), ctx.intOption("limit", 1000), ctx.out());
      return 0;
    }

    private static String readFile(String path) {
      try {
        return java.nio.file.Files.readString(java.nio.file.Path.of(path));
      } catch (java.io.IOException e) {
        throw Errors.usage("Cannot read SQL file " + path + ": " + e.getMessage());
      }
    }
  }
}
