package dev.lakeml.cli;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.Errors;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.jobs.StageResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;

/**
 * {@code quality-report [--run-id ID]}: (re)writes the HTML report of a past run (default: the
 * newest run of the pipeline) from {@code ops.runs} and the quality tables, e.g. after a run whose
 * report could not be written, or to see its quality section with the current renderer.
 */
final class QualityReportCommand implements Command {
  @Override
  public String name() {
    return "quality-report";
  }

  @Override
  public String usage() {
    return "quality-report          (re)write a past run's HTML report with its quality section [--run-id ID]";
  }

  @Override
  public Set<String> options() {
    return Set.of("run-id");
  }

  @Override
  public int run(CommandContext ctx) throws Exception {
    if (!ctx.lakehouse().exists(RunLedger.TABLE)) {
      throw Errors.usage("Cannot write a quality report: no run recorded under " + ctx.settings().root() + " yet. Run ./scripts/lakeml run first.");
    }
    var runs = ctx.lakehouse().read(RunLedger.TABLE).filter(col("pipeline").equalTo(ctx.spec().name()));
    String runId = ctx.option("run-id", ctx.args().isEmpty() ? null : ctx.args().get(0));
    List<Row> found =
        (runId == null ? runs.filter(col("ended_at").isNotNull()).orderBy(col("started_at").desc()) : runs.filter(col("run_id").equalTo(runId))).limit(1).collectAsList();
    if (found.isEmpty()) {
      throw Errors.usage(
          "Cannot write the quality report of run " + runId + ": no run of pipeline " + ctx.spec().name()
              + " with that id in ops.runs. List them with ./scripts/lakeml runs.");
    }
    Row run = found.get(0);
    runId = run.getAs("run_id");
    if (run.isNullAt(run.fieldIndex("ended_at"))) {
      throw Errors.usage("Cannot write the quality report of run " + runId + ": it was " + run.getAs("status") + " (" + run.getAs("error") + "). Pick another with ./scripts/lakeml runs.");
    }
    Map<String, Long> written = run.getJavaMap(run.fieldIndex("tables_written"));
    Map<String, Long> rows = run.isNullAt(run.fieldIndex("rows")) ? Map.of() : run.getJavaMap(run.fieldIndex("rows"));
    List<Row> stageRows = run.getList(run.fieldIndex("stages"));
    // ops.runs keeps the tables per run, not per stage: each goes to the stage whose summary names it.
    List<StageResult> stages = new ArrayList<>();
    Map<String, Long> unclaimed = new LinkedHashMap<>(written);
    for (int i = 0; i < stageRows.size(); i++) {
      Row s = stageRows.get(i);
      String summary = s.isNullAt(3) ? "" : s.getString(3);
      Map<String, Long> mine = new LinkedHashMap<>();
      Map<String, Long> myRows = new LinkedHashMap<>();
      for (String t : new ArrayList<>(unclaimed.keySet())) {
        if (summary.contains(t) || i == stageRows.size() - 1) {
          mine.put(t, unclaimed.remove(t));
          myRows.put(t, rows.getOrDefault(t, 0L));
        }
      }
      stages.add(new StageResult(s.getString(0), s.getString(1), s.getDouble(2), mine, myRows, summary));
    }
    var summary =
        RunObservation.summarize(
            ctx.lakehouse(), ctx.spec(), runId, run.getAs("command"), run.<java.sql.Timestamp>getAs("started_at").toInstant(),
            run.<java.sql.Timestamp>getAs("ended_at").toInstant(), run.getAs("status"), run.getAs("error"), stages);
    Path report = RunObservation.writeReport(ctx.settings(), summary);
    ctx.out().printf(
        "Report of run %s: %d checks, %d quarantine counts, %d quality history points%n",
        runId, summary.qualityResults().size(), summary.quarantine().size(), summary.qualityHistory().size());
    ctx.out().println("Run report: " + report.toUri());
    return 0;
  }
}
