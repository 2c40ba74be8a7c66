package dev.lakeml.cli;

import dev.lakeml.LakemlException;
import dev.lakeml.config.ConfigFiles;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.config.Settings;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Sessions;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * The launcher: {@code spark-submit --class dev.lakeml.cli.Lakeml lakeml-<v>-spark.jar <command> ...},
 * or locally {@code ./scripts/lakeml <command> ...}. Parses the command line, loads the
 * configuration once, starts one SparkSession and runs the command from {@link Commands}.
 */
public final class Lakeml {
  private Lakeml() {}

  public static void main(String[] argv) {
    int code = run(argv, System.out, System.err);
    SparkSession.getActiveSession().foreach(s -> { s.stop(); return null; });
    if (code != 0) {
      System.exit(code);
    }
  }

  static String usage(Map<String, Command> commands) {
    StringBuilder b = new StringBuilder("usage: lakeml <command> [options]\n\nCommands:\n");
    for (Command c : commands.values()) {
      b.append("  ").append(c.usage()).append('\n');
    }
    b.append(
        """

        Options for every command:
          --root PATH|URI         lakehouse root (default ./lakehouse; env LAKEML_ROOT)
          --env NAME              environment file conf/NAME.conf (default local)
          --pipeline NAME         pipeline spec jobs/NAME.conf (default flights)
          --conf key=value        a Spark setting for this run (repeatable)
          --set key=value         any conf/ setting for this run, e.g. --set metrics.pushgateway=127.0.0.1:9091
          --force                 (pipeline stages) recompute even if the inputs did not change
          --verbose               stack traces and Spark's own log lines
        """);
    return b.toString();
  }

  /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage or configuration). */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    Map<String, Command> commands = Commands.all();
    Map<String, Set<String>> options = new LinkedHashMap<>();
    options.put("help", Set.of());
    commands.forEach((k, v) -> options.put(k, v.options()));
    CommandLine cl;
    try {
      cl = CommandLine.parse(argv, options);
    } catch (LakemlException e) {
      err.println("lakeml: " + e.getMessage());
      err.println(usage(commands));
      return e.exitCode();
    }
    if (cl.command().equals("help") || cl.options().containsKey("help")) {
      out.println(usage(commands));
      return 0;
    }
    Command command = commands.get(cl.command());
    boolean verbose = cl.options().containsKey("verbose");
    try {
      Settings settings =
          Settings.load(ConfigFiles.projectDir(), cl.options().getOrDefault("env", "local"), cl.options().get("root"), cl.sparkConf(), cl.settings());
      PipelineSpec spec = PipelineSpec.load(ConfigFiles.projectDir(), cl.options().getOrDefault("pipeline", "flights"));
      dev.lakeml.ml.Trainer.checkParams(spec); // estimator params need Spark ML's classes, not a session
      if (verbose) { // the effective settings, secrets masked (Settings.describe)
        settings.describe().forEach((k, v) -> err.println("lakeml: setting " + k + " = " + v));
      }
      Lakehouse lakehouse = null;
      if (command.needsSpark()) {
        SparkSession spark = Sessions.create(settings, "lakeml " + cl.command() + " " + spec.name());
        lakehouse = new Lakehouse(spark, settings.root());
        if (command.readsTablesByName() || settings.catalogType() != Settings.CatalogType.EMBEDDED) {
          dev.lakeml.catalog.AnalystCatalog.publish(lakehouse, spec, lakehouse.registerAll()); // docs + curated views (issue 7)
        } else {
          dev.lakeml.catalog.AnalystCatalog.activate(lakehouse, spec); // a job: what it writes is registered and documented as written
        }
      }
      return command.run(new CommandContext(cl.command(), cl.args(), cl.options(), settings, spec, lakehouse, out));
    } catch (LakemlException e) {
      err.println("lakeml: " + e.getMessage());
      if (verbose) {
        e.printStackTrace(err);
      }
      return e.exitCode();
    } catch (Exception e) { // Spark throws checked exceptions (AnalysisException) without declaring them
      err.println("lakeml: " + cl.command() + " failed: " + firstLine(e) + (verbose ? "" : "\n(run with --verbose for the stack trace)"));
      if (verbose) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
