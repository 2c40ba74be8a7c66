package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.monitor.MonitorLedger;
import dev.lakeml.monitor.RetrainLedger;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/**
 * Replays a files source window by window, as production would have seen it: before each window's
 * end only the day folders of pulls up to that day are exposed in a landing folder under the root;
 * then ingest -> refine -> features -> score the window with the champion -> monitor (labels only
 * for events older than the window's end minus the label lag) -> retrain when the rule fires
 * (through the gate) -> monitor the previous window again, whose labels have arrived since. Each
 * window is one run in {@code ops.runs}; the monitoring tables stay.
 */
public final class Simulation {
  /** What to replay: windows [from, until), each {@code step} long, labels arriving {@code labelLagDays} after the event. */
  public record Plan(LocalDate from, LocalDate until, Function<LocalDate, LocalDate> step, String stepName, int labelLagDays) {
    public List<LocalDate[]> windows() {
      List<LocalDate[]> out = new ArrayList<>();
      for (LocalDate s = from; s.isBefore(until); s = step.apply(s)) {
        LocalDate e = step.apply(s);
        out.add(new LocalDate[] {s, e.isAfter(until) ? until : e});
      }
      return out;
    }
  }

  /**
   * One line of the timeline. {@code window} is "history" for the bootstrap; {@code auc} is the
   * realized AUC on the labels arrived by the window's end (null when none), {@code previousAuc} the
   * previous window's, measured again now that its labels have arrived.
   */
  public record Line(
      String window, LocalDate start, LocalDate end, LocalDate labelsBefore, long rows, List<String> drifted, Double auc, long labelled,
      Double previousAuc, long previousLabelled, int modelInUse, String decision, int championAfter, double seconds, String runId) {}

  private final JobContext base;
  private final Plan plan;
  private final java.util.function.Consumer<Line> progress;

  public Simulation(JobContext base, Plan plan, java.util.function.Consumer<Line> progress) {
    this.base = base;
    this.plan = plan;
    this.progress = progress;
  }

  public List<Line> run() {
    PipelineSpec spec = base.spec();
    if (spec.source().type() != PipelineSpec.SourceType.FILES) {
      throw Errors.usage("Cannot simulate " + spec.name() + ": simulate replays the day folders of a files source, and " + spec.file() + " has source.type = http.");
    }
    if (base.lakehouse().exists(base.bronze())) {
      throw Errors.usage(
          "Cannot simulate into " + base.lakehouse().root() + ": it already holds " + base.bronze()
              + ". A simulation replays from an empty lakehouse; give a new --root, e.g. --root /tmp/lakeml-sim.");
    }
    if (plan.windows().isEmpty()) {
      throw Errors.usage("Cannot simulate: --from " + plan.from() + " is not before the end " + plan.until() + ".");
    }
    String landing = base.lakehouse().area("simulate") + "/" + spec.source().name();
    TreeMap<LocalDate, Path> days = dayFolders(base.resolvePath(spec.source().path()));
    PipelineSpec simSpec = spec.withSourcePath(landing);
    List<Line> out = new ArrayList<>();

    // History: everything before the first window, and the first champion trained on its labelled part.
    LocalDate labels0 = plan.from().minusDays(plan.labelLagDays());
    String runId = runId();
    long t0 = System.nanoTime();
    List<StageResult> stages = new ArrayList<>();
    exposeBefore(days, plan.from(), landing);
    JobContext ctx = context(simSpec, runId, Map.of());
    prepare(ctx, stages);
    LocalDate evalFrom = labels0.minusDays(spec.retrain().evaluateDays());
    PipelineSpec.Model first = spec.model().withSplit(spec.model().trainFrom(), evalFrom, evalFrom, labels0);
    stages.add(new TrainJob().run(context(simSpec.withModel(first), runId, Map.of())));
    record(runId, "simulate history < " + plan.from(), stages, t0);
    int champion = champion();
    long historyRows = base.lakehouse().read(base.gold(spec.gold().table())).count();
    Line h = new Line("history", null, plan.from(), labels0, historyRows, List.of(), null, 0, null, 0, champion,
        "trained v" + champion + " on [" + spec.model().trainFrom() + ", " + evalFrom + "), evaluated on [" + evalFrom + ", " + labels0 + ")",
        champion, secs(t0), runId);
    out.add(h);
    progress.accept(h);

    String previousScoring = null;
    for (LocalDate[] w : plan.windows()) {
      LocalDate start = w[0];
      LocalDate end = w[1];
      LocalDate labelsBefore = end.minusDays(plan.labelLagDays());
      runId = runId();
      t0 = System.nanoTime();
      stages = new ArrayList<>();
      exposeBefore(days, end, landing);
      ctx = context(simSpec, runId, Map.of());
      prepare(ctx, stages);
      int inUse = champion();
      stages.add(new ScoreJob().run(context(simSpec, runId, Map.of("from", start.toString(), "to", end.toString()))));
      stages.add(new MonitorJob().run(context(simSpec, runId, Map.of("labels-before", labelsBefore.toString()))));
      String scoring = runId;
      stages.add(new RetrainJob().run(context(simSpec, runId, Map.of("labels-before", labelsBefore.toString(), "as-of", end.toString()))));
      Row prev = null;
      if (previousScoring != null) {
        stages.add(new MonitorJob().run(context(simSpec, runId, Map.of("scoring-run", previousScoring, "labels-before", labelsBefore.toString()))));
        prev = performance(runId, previousScoring);
      }
      record(runId, "simulate [" + start + ", " + end + ")", stages, t0);
      Row perf = performance(runId, scoring);
      Line line =
          new Line(
              label(start, end), start, end, labelsBefore, perf.getLong(0), drifted(runId, scoring), perf.isNullAt(1) ? null : perf.getDouble(1), perf.getLong(2),
              prev == null || prev.isNullAt(1) ? null : prev.getDouble(1), prev == null ? 0 : prev.getLong(2), inUse, decision(runId), champion(), secs(t0), runId);
      out.add(line);
      progress.accept(line);
      previousScoring = scoring;
    }
    return out;
  }

  private void prepare(JobContext ctx, List<StageResult> stages) {
    stages.add(new IngestJob().run(ctx));
    stages.add(new RefineJob().run(ctx));
    stages.add(new FeaturesJob().run(ctx));
  }

  private JobContext context(PipelineSpec spec, String runId, Map<String, String> options) {
    return new JobContext(base.settings(), spec, base.lakehouse(), runId, options, base.out());
  }

  private void record(String runId, String command, List<StageResult> stages, long t0) {
    Instant started = Instant.now().minusNanos(System.nanoTime() - t0);
    RunLedger.record(base.lakehouse(), runId, command, base.spec().name(), base.settings().env(), started, java.time.Instant.now(), "succeeded", null, stages);
  }

  private int champion() {
    Integer c = new ModelAliases(base.lakehouse()).current(base.spec().model().name()).champion();
    return c == null ? 0 : c;
  }

  /** scored rows, realized auc, labelled rows of one scoring run as measured by this run. */
  private Row performance(String runId, String scoringRun) {
    return base.lakehouse()
        .read(MonitorLedger.PERFORMANCE)
        .filter(col("run_id").equalTo(runId).and(col("scoring_run_id").equalTo(scoringRun)))
        .select("scored_rows", "auc", "labelled_rows")
        .first();
  }

  /** Inputs (and the prediction) in alarm, excluded inputs left out. */
  private List<String> drifted(String runId, String scoringRun) {
    List<String> out = new ArrayList<>();
    for (Row r :
        base.lakehouse()
            .read(MonitorLedger.DRIFT)
            .filter(col("run_id").equalTo(runId).and(col("scoring_run_id").equalTo(scoringRun)).and(col("status").equalTo("alarm")))
            .orderBy(col("value").desc())
            .select("feature")
            .collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }

  private String decision(String runId) {
    Row d =
        base.lakehouse()
            .read(RetrainLedger.TABLE)
            .filter(col("run_id").equalTo(runId))
            .selectExpr("fired", "trigger", "retrained_version", "gate_action", "cool_down_until IS NOT NULL AND trigger IS NOT NULL AND NOT fired")
            .first();
    if (d.getBoolean(0)) {
      return "RETRAIN (" + d.getString(1) + ") -> v" + d.getInt(2) + " " + d.getString(3);
    }
    return d.getBoolean(4) ? d.getString(1) + " rule met, in cool-down" : "no retrain";
  }

  private String label(LocalDate start, LocalDate end) {
    if (plan.stepName().equals("month") && start.getDayOfMonth() == 1 && end.equals(start.plusMonths(1))) {
      return start.toString().substring(0, 7);
    }
    return start + ".." + end.minusDays(1);
  }

  /** The source's day folders (yyyy-MM-dd), by day. */
  private TreeMap<LocalDate, Path> dayFolders(String dir) {
    TreeMap<LocalDate, Path> out = new TreeMap<>();
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(base.lakehouse().spark().sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new LakemlException("Cannot simulate: the source folder " + dir + " does not exist. Check source.path in " + base.spec().file() + ".", null, 2);
      }
      for (FileStatus s : fs.listStatus(p)) {
        if (s.isDirectory() && s.getPath().getName().matches("\\d{4}-\\d{2}-\\d{2}")) {
          out.put(LocalDate.parse(s.getPath().getName()), s.getPath());
        }
      }
    } catch (IOException e) {
      throw new LakemlException("Cannot list the day folders of " + dir + ": " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new LakemlException("Cannot simulate: " + dir + " has no day folders (yyyy-MM-dd) of pulls.", null, 2);
    }
    return out;
  }

  /** Copies the day folders before {@code end} not yet in the landing folder: what production would have seen by then. */
  private void exposeBefore(TreeMap<LocalDate, Path> days, LocalDate end, String landing) {
    try {
      Path target = new Path(landing);
      var conf = base.lakehouse().spark().sparkContext().hadoopConfiguration();
      FileSystem to = target.getFileSystem(conf);
      to.mkdirs(target);
      for (Map.Entry<LocalDate, Path> d : days.headMap(end, false).entrySet()) {
        Path dest = new Path(target, d.getValue().getName());
        if (!to.exists(dest)) {
          // Copy to a hidden name, then rename: the ingest glob never sees half a day.
          Path tmp = new Path(target, "_tmp-" + d.getValue().getName());
          FileUtil.copy(d.getValue().getFileSystem(conf), d.getValue(), to, tmp, false, true, conf);
          to.rename(tmp, dest);
        }
      }
    } catch (IOException e) {
      throw new LakemlException("Cannot expose pulls in " + landing + ": " + e.getMessage(), e);
    }
  }

  private static String runId() {
    return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC).format(Instant.now()) + "-"
        + java.util.UUID.randomUUID().toString().substring(0, 8);
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
