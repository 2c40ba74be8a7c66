package dev.lakeml.cli;

import dev.lakeml.delta.TableId;
import dev.lakeml.quality.ExpectationSuggester;
import dev.lakeml.quality.TableProfiles;
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
      return "profile <layer.table>   column statistics of a version, stored in ops.table_profiles [--version N] [--format table|csv|json]";
    }

    public Set<String> options() {
      return Set.of("version", "format");
    }

    public int run(CommandContext ctx) {
      TableId t = TableId.parse(ctx.arg("profile <layer.table>"));
      long version = ctx.flag("version") ? ctx.longOption("version", 0) : ctx.lakehouse().latestVersion(t);
      at(ctx, t); // a missing table or version is explained before anything is computed
      TableProfiles profiles = new TableProfiles(ctx.lakehouse(), java.time.Clock.systemUTC());
      boolean wasStored = profiles.stored(t, version).isPresent();
      TableProfiles.Stored p = profiles.profile(t, version, JobCommand.newRunId());
      String format = ctx.option("format", "table");
      if (format.equals("table")) {
        long rowCount = p.columns().isEmpty() ? ctx.lakehouse().read(t, version).count() : p.columns().get(0).rows();
        ctx.out().printf(
            "Profile of %s v%d (%,d rows): %s by run %s at %s%n",
            t, version, rowCount, wasStored ? "stored" : t.layer() == dev.lakeml.delta.Layer.OPS ? "computed now (ops tables are not stored)" : "computed now and stored",
            p.runId(), p.profiledAt());
      }
      StructType schema = new StructType();
      for (String h : TableProfiles.HEADER) {
        schema = schema.add(h, DataTypes.StringType);
      }
      List<Row> rows = new ArrayList<>();
      for (String[] r : TableProfiles.rows(p.columns())) {
        rows.add(RowFactory.create((Object[]) r));
      }
      Output.print(ctx.lakehouse().spark().createDataFrame(rows, schema), format, 1000, ctx.out());
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
