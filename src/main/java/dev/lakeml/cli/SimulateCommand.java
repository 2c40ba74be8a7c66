package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.Simulation;
import java.io.PrintStream;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code simulate}: replays the source's days window by window (ingest -> refine -> features -> score
 * -> monitor with late labels -> retrain when triggered) into an empty lakehouse and prints a
 * timeline, one line per window.
 */
final class SimulateCommand implements Command {
  private static final Pattern LAG = Pattern.compile("(\\d+)\\s*(d|days?|w|weeks?)");

  @Override
  public String name() {
    return "simulate";
  }

  @Override
  public String usage() {
    return "simulate                replay months of production into an empty root: score, monitor (late labels), retrain; print a timeline [--from 2001-03 --to 2001-06 --label-lag 14d --window month|week|Nd]";
  }

  @Override
  public Set<String> options() {
    return Set.of("from", "to", "label-lag", "window");
  }

  @Override
  public int run(CommandContext c) {
    var spec = c.spec();
    LocalDate defaultFrom = spec.model().trainFrom().withDayOfMonth(1).plusMonths(2);
    LocalDate from = day(c.option("from", null), defaultFrom, false);
    LocalDate until = day(c.option("to", null), spec.score().from().withDayOfMonth(1), true);
    String windowName = c.option("window", "month");
    Function<LocalDate, LocalDate> step = step(windowName);
    int lag = lagDays(c.option("label-lag", "14d"));
    Simulation.Plan plan = new Simulation.Plan(from, until, step, windowName, lag);
    PrintStream out = c.out();
    out.printf("lakeml simulate | pipeline %s | root %s | windows of %s from %s to %s | labels arrive %d days after the event%n",
        spec.name(), c.settings().root(), windowName, from, until.minusDays(1), lag);
    long t0 = System.nanoTime();
    JobContext ctx = new JobContext(c.settings(), spec, c.lakehouse(), "simulate", Map.of(), new PrintStream(PrintStream.nullOutputStream()));
    out.println(Timeline.HEADER);
    List<Simulation.Line> lines = new Simulation(ctx, plan, l -> out.println(Timeline.format(l))).run();
    out.printf("Simulated %d windows in %.1fs. Tables: ops.feature_drift, ops.model_performance, ops.retrain_decisions, ops.model_aliases, ops.model_registry, ops.runs%n",
        lines.size() - 1, (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  /** yyyy-MM (the month's first day, or the next month's first day as an exclusive end) or yyyy-MM-dd (inclusive). */
  static LocalDate day(String raw, LocalDate defaultValue, boolean end) {
    if (raw == null) {
      return end ? defaultValue.plusMonths(1) : defaultValue;
    }
    try {
      if (raw.matches("\\d{4}-\\d{2}")) {
        LocalDate first = YearMonth.parse(raw).atDay(1);
        return end ? first.plusMonths(1) : first;
      }
      LocalDate d = LocalDate.parse(raw);
      return end ? d.plusDays(1) : d;
    } catch (DateTimeParseException e) {
      throw Errors.usage("Cannot use --" + (end ? "to" : "from") + " '" + raw + "': give a month yyyy-MM or a day yyyy-MM-dd.");
    }
  }

  static Function<LocalDate, LocalDate> step(String window) {
    if (window.equals("month")) {
      return d -> d.plusMonths(1);
    }
    if (window.equals("week")) {
      return d -> d.plusDays(7);
    }
    Matcher m = Pattern.compile("(\\d+)d").matcher(window);
    if (m.matches() && Integer.parseInt(m.group(1)) > 0) {
      int n = Integer.parseInt(m.group(1));
      return d -> d.plusDays(n);
    }
    throw Errors.usage("Cannot use --window '" + window + "': give month, week, or a number of days such as 10d.");
  }

  static int lagDays(String raw) {
    Matcher m = LAG.matcher(raw.trim());
    if (!m.matches()) {
      throw Errors.usage("Cannot use --label-lag '" + raw + "': give days or weeks, e.g. 14d, \"14 days\" or 2w.");
    }
    int n = Integer.parseInt(m.group(1));
    return m.group(2).startsWith("w") ? n * 7 : n;
  }

  /** The printed timeline. */
  static final class Timeline {
    static final String HEADER =
        String.format("%-22s %7s  %-19s %-19s %-30s %-6s %-44s %6s", "window", "rows", "auc now (labelled)", "auc prev (labelled)", "drift alarms", "model", "retrain", "secs");

    static String format(Simulation.Line l) {
      String auc = l.auc() == null ? (l.labelsBefore() != null && l.start() != null ? "n/a (" + l.labelled() + ")" : "-") : String.format("%.3f (%,d)", l.auc(), l.labelled());
      String prev = l.previousAuc() == null ? "-" : String.format("%.3f (%,d)", l.previousAuc(), l.previousLabelled());
      String drift = l.start() == null ? "-" : l.drifted().isEmpty() ? "none" : String.join(",", l.drifted());
      String model = "v" + l.modelInUse() + (l.championAfter() != l.modelInUse() ? "->v" + l.championAfter() : "");
      return String.format("%-22s %,7d  %-19s %-19s %-30s %-6s %-44s %6.1f", l.window(), l.rows(), auc, prev, drift, model, l.decision(), l.seconds());
    }
  }
}
