package dev.lakeml.cli;

import dev.lakeml.jobs.Job;
import dev.lakeml.jobs.Pipelines;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of launcher commands, in the order the usage text lists them. */
final class Commands {
  private Commands() {}

  static Map<String, Command> all() {
    List<Command> list = new ArrayList<>();
    for (Job job : Pipelines.stages()) {
      list.add(new JobCommand(job.name(), List.of(job)));
    }
    list.add(new JobCommand("backfill", List.of(dev.lakeml.jobs.IngestJob.backfill())));
    list.add(new JobCommand("run", Pipelines.stages()));
    list.add(new JobCommand("promote", List.of(new dev.lakeml.jobs.PromoteJob())));
    list.add(new JobCommand("rollback", List.of(new dev.lakeml.jobs.RollbackJob())));
    list.add(new JobCommand("replay", List.of(new dev.lakeml.jobs.ReplayJob())));
    list.add(new JobCommand("requeue", List.of(new dev.lakeml.jobs.RequeueJob())));
    list.add(new SimulateCommand());
    list.add(new TableCommands.History());
    list.add(new TableCommands.Show());
    list.add(new TableCommands.SqlQuery());
    list.add(new RunsCommand());
    list.add(new QualityCommands.Profile());
    list.add(new QualityCommands.SuggestChecks());
    list.add(new QualityReportCommand());
    list.add(new JdbcCommand());
    list.add(new ExportCommand());
    list.add(new VacuumCommand());
    list.add(new ServeCommand());
    Map<String, Command> byName = new LinkedHashMap<>();
    for (Command c : list) {
      byName.put(c.name(), c);
    }
    return byName;
  }
}
