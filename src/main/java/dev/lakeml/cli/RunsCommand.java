package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.Errors;
import dev.lakeml.jobs.RunLedger;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** {@code runs}: recent runs from {@code ops.runs}; {@code runs show <run-id>}: one run, stage by stage. */
final class RunsCommand implements Command {
  @Override
  public String name() {
    return "runs";
  }

  @Override
  public String usage() {
    return "runs [show <run-id>]     recent runs (status, duration, table versions written), or one run's stages";
  }

  @Override
  public Set<String> options() {
    return Set.of("limit", "format");
  }

  @Override
  public int run(CommandContext ctx) {
    if (!ctx.lakehouse().exists(RunLedger.TABLE)) {
      ctx.out().println("No runs recorded yet under " + ctx.settings().root() + ". Run ./scripts/lakeml run first.");
      return 0;
    }
    Dataset<Row> runs = ctx.lakehouse().read(RunLedger.TABLE);
    String format = ctx.option("format", "table");
    if (ctx.args().isEmpty()) {
      Output.print(
          runs.orderBy(col("started_at").desc())
              .selectExpr(
                  "run_id", "command", "pipeline", "status", "started_at",
                  "round(unix_millis(ended_at) - unix_millis(started_at)) / 1000 AS seconds",
                  "array_join(transform(map_entries(tables_written), e -> concat(e.key, ' v', e.value)), ', ') AS tables_written"),
          format, ctx.intOption("limit", 20), ctx.out());
      return 0;
    }
    if (ctx.args().size() != 2 || !ctx.args().get(0).equals("show")) {
      throw Errors.usage("Usage: lakeml runs [show <run-id>]");
    }
    Dataset<Row> one = runs.filter(col("run_id").equalTo(ctx.args().get(1)));
    if (one.isEmpty()) {
      throw Errors.usage("Cannot show run " + ctx.args().get(1) + ": no such run in ops.runs. List them with ./scripts/lakeml runs.");
    }
    Output.print(one.selectExpr("run_id", "command", "pipeline", "env", "status", "started_at", "ended_at", "error", "code_version"), format, 1, ctx.out());
    Output.print(
        one.selectExpr("explode(stages) AS s").selectExpr("s.stage", "s.status", "round(s.seconds, 1) AS seconds", "s.summary"), format, 100, ctx.out());
    Output.print(one.selectExpr("explode(tables_written) AS (table_name, version)"), format, 100, ctx.out());
    return 0;
  }
}
