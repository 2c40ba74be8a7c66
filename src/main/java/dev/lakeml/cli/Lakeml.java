package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.ConfigFiles;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.config.Settings;
import dev.lakeml.jobs.Job;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.Pipelines;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.Sessions;
import dev.lakeml.lakehouse.TableId;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The launcher: {@code spark-submit --class dev.lakeml.cli.Lakeml lakeml-spark.jar <command> ...}, or
 * locally {@code ./scripts/lakeml <command> ...}. Parses the command line, loads the configuration
 * once, starts one SparkSession and runs the command.
 */
public final class Lakeml {
  static final Map<String, Set<String>> COMMANDS = new LinkedHashMap<>();

  static {
    COMMANDS.put("help", Set.of());
    COMMANDS.put("ingest", Set.of("follow", "interval-ms"));
    COMMANDS.put("refine", Set.of("force"));
    COMMANDS.put("features", Set.of("force"));
    COMMANDS.put("train", Set.of("force"));
    COMMANDS.put("score", Set.of("from", "to", "model-version", "force"));
    COMMANDS.put("run", Set.of("force", "from", "to"));
    COMMANDS.put("history", Set.of("limit", "format"));
    COMMANDS.put("show", Set.of("version", "timestamp", "limit", "format"));
    COMMANDS.put("sql", Set.of("file", "format", "limit"));
  }

  static final String USAGE =
      """
      usage: lakeml <command> [options]

      Pipeline commands (each reads its inputs at pinned Delta versions and is safe to rerun):
        ingest                  landing pages -> bronze (exactly once; --follow keeps polling)
        refine                  bronze -> silver (typed, de-duplicated, checked; rejects to quarantine)
        features                silver -> gold feature table (point-in-time trailing aggregates)
        train                   gold -> a registered model version (time-ordered split)
        score                   gold + model -> predictions [--from yyyy-MM-dd --to yyyy-MM-dd --model-version N]
        run                     all of the above, in order, in one Spark session

      Read commands:
        history <layer.table>   the table's versions: operation, metrics, lineage
        show <layer.table>      rows of a table [--version N | --timestamp T] [--limit N]
        sql "<query>"           any Spark SQL on the tables by name, with VERSION AS OF / TIMESTAMP AS OF
                                [--file query.sql] [--format table|csv|json] [--limit N]

      Options for every command:
        --root PATH|URI         lakehouse root (default ./lakehouse; env LAKEML_ROOT)
        --env NAME              environment file conf/NAME.conf (default local)
        --pipeline NAME         pipeline spec jobs/NAME.conf (default flights)
        --conf key=value        a Spark setting for this run (repeatable)
        --force                 recompute even if the inputs did not change
        --verbose               stack traces and Spark's own log lines
      """;

  private Lakeml() {}

  public static void main(String[] argv) {
    int code = run(argv, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage or configuration). */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    CommandLine cl;
    try {
      cl = CommandLine.parse(argv, COMMANDS);
    } catch (LakemlException e) {
      err.println("lakeml: " + e.getMessage());
      err.println(USAGE);
      return e.exitCode();
    }
    if (cl.command().equals("help") || cl.options().containsKey("help")) {
      out.println(USAGE);
      return 0;
    }
    boolean verbose = cl.options().containsKey("verbose");
    try {
      Settings settings =
          Settings.load(ConfigFiles.projectDir(), cl.options().getOrDefault("env", "local"), cl.options().get("root"), cl.sparkConf());
      PipelineSpec spec = PipelineSpec.load(ConfigFiles.projectDir(), cl.options().getOrDefault("pipeline", "flights"));
      SparkSession spark = Sessions.create(settings, "lakeml " + cl.command() + " " + spec.name());
      Lakehouse lakehouse = new Lakehouse(spark, settings.root());
      lakehouse.registerAll();
      return dispatch(cl, settings, spec, lakehouse, out);
    } catch (LakemlException e) {
      err.println("lakeml: " + e.getMessage());
      if (verbose) {
        e.printStackTrace(err);
      }
      return e.exitCode();
    } catch (Exception e) {
      err.println("lakeml: " + cl.command() + " failed: " + firstLine(e) + (verbose ? "" : "\n(run with --verbose for the stack trace)"));
      if (verbose) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  private static int dispatch(CommandLine cl, Settings settings, PipelineSpec spec, Lakehouse lakehouse, PrintStream out) {
    Map<String, String> options = cl.options();
    switch (cl.command()) {
      case "history" -> {
        TableId t = TableId.parse(arg(cl, "history <layer.table>"));
        Dataset<Row> h =
            lakehouse.history(t).selectExpr("version", "timestamp", "operation", "operationMetrics", "userMetadata").orderBy(org.apache.spark.sql.functions.col("version").desc());
        Output.print(h, options.getOrDefault("format", "table"), limit(options, 50), out);
        return 0;
      }
      case "show" -> {
        TableId t = TableId.parse(arg(cl, "show <layer.table>"));
        Dataset<Row> df =
            options.containsKey("version")
                ? lakehouse.read(t, parseLong(options.get("version"), "--version"))
                : options.containsKey("timestamp") ? lakehouse.readAsOfTimestamp(t, options.get("timestamp")) : lakehouse.read(t);
        Output.print(df, options.getOrDefault("format", "table"), limit(options, 20), out);
        return 0;
      }
      case "sql" -> {
        String query = options.containsKey("file") ? readFile(options.get("file")) : arg(cl, "sql \"<query>\"");
        Sql.print(lakehouse, query, options.getOrDefault("format", "table"), limit(options, 1000), out);
        return 0;
      }
      default -> {
        return runJobs(cl, settings, spec, lakehouse, out);
      }
    }
  }

  private static int runJobs(CommandLine cl, Settings settings, PipelineSpec spec, Lakehouse lakehouse, PrintStream out) {
    String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
    Instant started = Instant.now();
    JobContext ctx = new JobContext(settings, spec, lakehouse, runId, cl.options(), out);
    List<Job> jobs = cl.command().equals("run") ? Pipelines.stages() : List.of(Pipelines.byName().get(cl.command()));
    List<StageResult> results = new ArrayList<>();
    ctx.say("lakeml " + cl.command() + " | pipeline " + spec.name() + " | root " + settings.root() + " | run " + runId);
    for (Job job : jobs) {
      ctx.say(String.format("[%-8s] started", job.name()));
      StageResult r;
      try {
        r = job.run(ctx);
      } catch (Exception e) { // Spark also throws checked exceptions (AnalysisException) undeclared
        String message = e instanceof LakemlException ? e.getMessage() : firstLine(e);
        ctx.say(String.format("[%-8s] FAILED", job.name()));
        results.add(new StageResult(job.name(), "failed", 0, Map.of(), Map.of(), message));
        recordRun(lakehouse, runId, cl, spec, settings, started, "failed", message, results, out);
        throw e instanceof RuntimeException re ? re : new LakemlException(job.name() + " failed: " + message, e);
      }
      results.add(r);
      ctx.say(String.format("[%-8s] %s in %.1fs: %s", job.name(), r.status(), r.seconds(), r.summary()));
    }
    recordRun(lakehouse, runId, cl, spec, settings, started, "succeeded", null, results, out);
    if (cl.command().equals("run")) {
      Summary.print(lakehouse, spec, results, runId, out);
    }
    return 0;
  }

  private static void recordRun(
      Lakehouse lakehouse, String runId, CommandLine cl, PipelineSpec spec, Settings settings, Instant started, String status, String error, List<StageResult> results, PrintStream out) {
    try {
      RunLedger.record(lakehouse, runId, cl.command(), spec.name(), settings.env(), started, status, error, results);
    } catch (RuntimeException e) {
      out.println("warning: could not record the run in ops.runs: " + firstLine(e));
    }
  }

  private static String arg(CommandLine cl, String usage) {
    if (cl.args().size() != 1) {
      throw Errors.usage("Usage: lakeml " + usage + " (got " + cl.args().size() + " arguments).");
    }
    return cl.args().get(0);
  }

  private static int limit(Map<String, String> options, int defaultValue) {
    return options.containsKey("limit") ? (int) parseLong(options.get("limit"), "--limit") : defaultValue;
  }

  private static long parseLong(String raw, String option) {
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw Errors.usage("Option " + option + " takes a whole number, got '" + raw + "'.");
    }
  }

  private static String readFile(String path) {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(path));
    } catch (java.io.IOException e) {
      throw Errors.usage("Cannot read SQL file " + path + ": " + e.getMessage());
    }
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
