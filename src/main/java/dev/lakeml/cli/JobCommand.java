package dev.lakeml.cli;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.RunLock;
import dev.lakeml.jobs.Job;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.jobs.StageResult;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Runs one or more pipeline stages in order as one run: a run id, a progress line per stage, and a
 * row in {@code ops.runs} whether it succeeds or fails.
 */
final class JobCommand implements Command {
  private final String name;
  private final List<Job> jobs;

  JobCommand(String name, List<Job> jobs) {
    this.name = name;
    this.jobs = List.copyOf(jobs);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String usage() {
    return jobs.size() == 1 ? jobs.get(0).usage() : "run                     all stages in order, in one Spark session: " + String.join(" -> ", jobs.stream().map(Job::name).toList());
  }

  @Override
  public Set<String> options() {
    Set<String> all = new HashSet<>(Set.of("force"));
    jobs.forEach(j -> all.addAll(j.options()));
    return all;
  }

  @Override
  public boolean readsTablesByName() {
    return false; // jobs read and write by path
  }

  @Override
  public int run(CommandContext c) throws Exception {
    String runId = newRunId();
    Instant started = Instant.now();
    Map<String, String> options = new java.util.LinkedHashMap<>(c.options());
    if (!c.args().isEmpty()) {
      options.put("_args", String.join(" ", c.args())); // positional arguments, e.g. replay <run-id>
    }
    JobContext ctx = new JobContext(c.settings(), c.spec(), c.lakehouse(), runId, options, c.out());
    try (RunLock lock = RunLock.acquire(c.settings().root(), c.spec().name(), jobs.stream().map(JobCommand::lockName).toList(), RunLock.describe(name, runId))) {
      recordAbandoned(c, ctx, lock.abandoned(), runId);
      return runLocked(c, ctx, runId, started);
    }
  }

  /**
   * The lock a job takes: jobs that write the same tables share one (backfill writes bronze like
   * ingest; promote and rollback move the aliases train sets).
   */
  static String lockName(Job job) {
    return switch (job.name()) {
      case "backfill" -> "ingest";
      case "promote", "rollback" -> "train";
      default -> job.name();
    };
  }

  private int runLocked(CommandContext c, JobContext ctx, String runId, Instant started) throws Exception {
    List<StageResult> results = new ArrayList<>();
    ctx.say("lakeml " + name + " | pipeline " + c.spec().name() + " | root " + c.settings().root() + " | run " + runId);
    for (Job job : jobs) {
      ctx.say(String.format("[%-8s] started", job.name()));
      long t0 = System.nanoTime();
      StageResult r;
      try {
        r = job.run(ctx);
      } catch (Exception e) { // Spark also throws checked exceptions (AnalysisException) undeclared
        String message = e instanceof LakemlException ? e.getMessage() : Lakeml.firstLine(e);
        ctx.say(String.format("[%-8s] FAILED after %.1fs", job.name(), (System.nanoTime() - t0) / 1e9));
        results.add(new StageResult(job.name(), "failed", (System.nanoTime() - t0) / 1e9, Map.of(), Map.of(), message));
        record(c, runId, started, "failed", message, results);
        observe(c, runId, started, "failed", message, results);
        throw e;
      }
      results.add(r);
      ctx.say(String.format("[%-8s] %s in %.1fs: %s", job.name(), r.status(), r.seconds(), r.summary()));
    }
    record(c, runId, started, "succeeded", null, results);
    java.nio.file.Path report = observe(c, runId, started, "succeeded", null, results);
    if (jobs.size() > 1) {
      Summary.print(c.lakehouse(), c.spec(), results, runId, c.out());
    }
    if (report != null) {
      c.out().println("Run report: " + report.toUri());
    }
    return 0;
  }

  /** Report (for whole-pipeline runs) and metrics push; a failure here is a warning, never an error. */
  private java.nio.file.Path observe(CommandContext c, String runId, Instant started, String status, String error, List<StageResult> results) {
    boolean report = jobs.size() > 1;
    boolean push = !c.settings().pushgateway().isBlank();
    if (!report && !push) {
      return null;
    }
    try {
      var summary = RunObservation.summarize(c.lakehouse(), c.spec(), runId, name, started, status, error, results);
      if (push) {
        var pushed = RunObservation.push(c.settings(), summary);
        c.out().println(pushed.pushed() ? "Metrics pushed to pushgateway " + pushed.gateway() : "warning: " + pushed.warning());
      }
      return report ? RunObservation.writeReport(c.settings(), summary) : null;
    } catch (Exception e) {
      c.out().println("warning: could not write the run report or push metrics: " + Lakeml.firstLine(e));
      return null;
    }
  }

  static String newRunId() {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Runs that died holding this command's locks (killed, crashed) never wrote their row in
   * {@code ops.runs}: the next run writes it for them, status {@code interrupted}, unless the dead run
   * had recorded itself already (it died between its record and releasing the lock).
   */
  private static void recordAbandoned(CommandContext c, JobContext ctx, List<RunLock.Abandoned> abandoned, String runId) {
    for (RunLock.Abandoned a : abandoned) {
      try {
        if (RunLedger.recorded(c.lakehouse(), a.runId())) {
          continue;
        }
        String what = "ended without recording its end: killed or crashed. Found by run " + runId + ", which went on from the tables' last commits.";
        String error = String.format("the process (pid %d on %s) %s", a.pid(), a.host(), what);
        RunLedger.record(c.lakehouse(), a.runId(), a.command(), c.spec().name(), c.settings().env(), a.since(), null, RunLedger.INTERRUPTED, error, List.of());
        ctx.say("note: run " + a.runId() + " (" + a.command() + ", started " + a.since() + ") " + what + " Recorded in ops.runs as " + RunLedger.INTERRUPTED + ".");
      } catch (RuntimeException e) {
        c.out().println("warning: could not record interrupted run " + a.runId() + " in ops.runs: " + Lakeml.firstLine(e));
      }
    }
  }

  private void record(CommandContext c, String runId, Instant started, String status, String error, List<StageResult> results) {
    try {
      RunLedger.record(c.lakehouse(), runId, name, c.spec().name(), c.settings().env(), started, Instant.now(), status, error, results);
    } catch (RuntimeException e) {
      c.out().println("warning: could not record the run in ops.runs: " + Lakeml.firstLine(e));
    }
  }
}
