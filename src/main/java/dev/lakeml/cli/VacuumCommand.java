package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.delta.Vacuum;
import java.util.List;
import java.util.Set;

/**
 * {@code lakeml vacuum [--retain-hours H] [--table layer.name] [--dry-run]}: Delta VACUUM of every
 * table (or one), refused when the retention is shorter than the time-travel horizon or would
 * delete files of a version a registered model was trained on or a scoring run read or wrote.
 */
final class VacuumCommand implements Command {
  @Override
  public String name() {
    return "vacuum";
  }

  @Override
  public String usage() {
    return "vacuum                  delete data files older versions no longer need [--retain-hours H --table layer.name --dry-run]";
  }

  @Override
  public Set<String> options() {
    return Set.of("retain-hours", "table", "dry-run");
  }

  @Override
  public int run(CommandContext c) {
    int horizon = c.settings().timeTravelHorizonHours();
    double retain;
    try {
      retain = Double.parseDouble(c.option("retain-hours", String.valueOf(horizon)));
    } catch (NumberFormatException e) {
      throw Errors.usage("Option --retain-hours takes a number of hours, got '" + c.option("retain-hours", "") + "'.");
    }
    Lakehouse lh = c.lakehouse();
    List<TableId> tables = c.options().containsKey("table") ? List.of(TableId.parse(c.option("table", ""))) : lh.registerAll();
    List<Vacuum.Pin> pins = dev.lakeml.ml.RecordedVersions.of(lh, c.spec());
    boolean dryRun = c.options().containsKey("dry-run");
    List<Vacuum.Outcome> done = Vacuum.run(lh, tables, retain, horizon, pins, dryRun);
    long files = 0;
    for (Vacuum.Outcome o : done) {
      c.out().printf("  %-40s %,d file(s) %s%n", o.table(), o.filesDeleted(), dryRun ? "would be deleted" : "deleted");
      files += o.filesDeleted();
    }
    c.out().printf(
        "vacuum %s: %d table(s), %,d file(s) %s with a retention of %s hours (horizon %d); %d pinned version(s) kept readable%n",
        dryRun ? "dry run" : "done", done.size(), files, dryRun ? "would be deleted" : "deleted", retain == Math.rint(retain) ? String.valueOf((long) retain) : String.valueOf(retain), horizon, pins.size());
    return 0;
  }
}
