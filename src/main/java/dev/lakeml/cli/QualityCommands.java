package dev.lakeml.cli;

import dev.lakeml.delta.TableId;
import dev.lakeml.quality.ExpectationSuggester;
import dev.lakeml.quality.TableProfiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Quality commands on a table version: profile, suggest-checks. */
final class QualityCommands {
  private QualityCommands() {}

  static Dataset<Row> at(CommandContext ctx, TableId t) {
    return ctx.flag("version") ? ctx.lakehouse().read(t, ctx.longOption("version", 0)) : ctx.lakehouse().read(t);
  }

  static final class Profile implements Command {
    public String name() {
      return "profile";
    }

    public String usage() {
      return "profile <layer.table>   column statistics (Deequ profiler) [--version N] [--format table|csv|json]";
    }

    public Set<String> options() {
      return Set.of("version", "format");
    }

    public int run(CommandContext ctx) {
      TableId t = TableId.parse(ctx.arg("profile <layer.table>"));
      StructType schema = new StructType();
      for (String h : TableProfiler.HEADER) {
        schema = schema.add(h, DataTypes.StringType);
      }
      List<Row> rows = new ArrayList<>();
      for (String[] r : TableProfiler.profile(at(ctx, t))) {
        rows.add(RowFactory.create((Object[]) r));
      }
      Output.print(ctx.lakehouse().spark().createDataFrame(rows, schema), ctx.option("format", "table"), 1000, ctx.out());
      return 0;
    }
  }

  static final class SuggestChecks implements Command {
    public String name() {
      return "suggest-checks";
    }

    public String usage() {
      return "suggest-checks <layer.table>  spec-ready expectations from Deequ's constraint suggestion [--version N]";
    }

    public Set<String> options() {
      return Set.of("version");
    }

    public int run(CommandContext ctx) {
      TableId t = TableId.parse(ctx.arg("suggest-checks <layer.table>"));
      ctx.out().println("# Suggested from " + t + "; review bounds and actions before pasting into the table's section.");
      ctx.out().println("expectations = [");
      for (String line : ExpectationSuggester.suggest(at(ctx, t))) {
        ctx.out().println("  " + line);
      }
      ctx.out().println("]");
      return 0;
    }
  }
}
