package dev.lakeml.reliability;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.round;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lakeml.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection across the whole pipeline: child lakeml JVMs ({@code lakeml run} for the first kill
 * aimed at a stage, the stage's own command for the next ones) are SIGKILLed at seeded random points
 * in ingest, refine, features, train and score (a delay after the stage's start line, drawn from the
 * stage's duration in an uninterrupted reference run, see {@link #killDelays}); each goes on from the
 * wreck the previous one left (stages already done are skipped), and after a last {@code lakeml run}
 * every table is compared with the reference: no row lost, none duplicated, no half-registered model,
 * no orphan prediction batch, and one {@code ops.runs} row per process, killed ones included.
 *
 * <p>JUnit tag {@code crash}: not in the default suite (two whole pipeline runs in child JVMs take
 * over 5 minutes even with 2 kills). {@code scripts/test-crash} (a step of {@code .ci/run}) plans 31
 * kills over all five stages, of which at least 30 land (the last stage's last point may find it
 * already done). Run alone without those settings ({@code mvn test -Dlakeml.test.groups=crash -Dlakeml.test.excludedGroups=}) it
 * kills twice, in refine and train (the stages with the most commits). {@code lakeml.crash.seed}
 * picks the points.
 */
@Tag("crash")
class CrashSafetyTest {
  static final List<String> STAGES = List.of("ingest", "refine", "features", "train", "score");
  /** Columns that record a run or a version number rather than data; compared by the invariants below. */
  static final Pattern NOT_CONTENT =
      Pattern.compile(".*run_id|.*_at|at|.*table_version|source_version|published_version|candidate_version|bronze_version|model_path|code_version|batch_id|replayed");
  static final Pattern STARTED = Pattern.compile("(?m)^\\[(\\w+)\\s*\\] started$");
  static final Pattern SUCCEEDED = Pattern.compile("(?m)^\\[(\\w+)\\s*\\] (?:succeeded|skipped) in ([0-9.]+)s");

  // A failed run keeps its folder (the wreck) to inspect; a passed one is cleaned up.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp;

  @Test
  void killedAtRandomPointsInEveryStageThenRerunEqualsAnUninterruptedRun() throws Exception {
    int kills = Integer.getInteger("lakeml.crash.kills", 2);
    List<String> targets = List.of(System.getProperty("lakeml.crash.stages", "refine,train").split(","));
    assertTrue(STAGES.containsAll(targets), "lakeml.crash.stages must name stages of " + STAGES + ": " + targets);
    long seed = Long.getLong("lakeml.crash.seed", 20261123L);
    int pagesPerDay = Integer.getInteger("lakeml.crash.pages-per-day", 1);
    long t0 = System.nanoTime();
    Path project =
        ChildLakeml.project(tmp.resolve("project"), "crash", "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\n", pagesPerDay);
    Path logs = tmp.resolve("logs");

    // 1. The uninterrupted reference run; its stage durations bound the kill delays.
    Path reference = tmp.resolve("reference");
    ChildLakeml ref = ChildLakeml.start(project, logs, Map.of(), "run", "--pipeline", "crash", "--root", reference.toString());
    assertEquals(0, ref.await(600), "reference run:\n" + ref.output());
    Map<String, Double> seconds = new LinkedHashMap<>();
    Matcher m = SUCCEEDED.matcher(ref.output());
    while (m.find()) {
      seconds.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    assertTrue(seconds.keySet().containsAll(STAGES), "stage durations in " + ref.output());

    // 2. Kills: each target stage gets its share of the kills, in stage order; each process starts
    // from the wreck the previous one left (the stages it finds done are skipped). The first kill
    // aimed at a stage is in `lakeml run` (which finishes the stages before it); the next ones in the
    // stage's own command, which neither re-checks the stages before it nor goes on to the ones after.
    // Kill points are drawn so that kills land in real work, not in the no-op checks of a stage that
    // already committed: a stage that starts over after a kill gets its points in ascending order
    // (the latest ones reach into its final commits); ingest, which keeps every committed page, gets
    // shorter delays whose sum spans its duration. When a stage still commits before its share is
    // used up, the rest of its share (with the point that did not land) moves on to the next stage.
    Path root = tmp.resolve("crashed");
    Random random = new Random(seed);
    Map<String, Integer> killedIn = new TreeMap<>();
    List<String> points = new ArrayList<>();
    int finishedBeforeKill = 0;
    int processes = 0;
    int carried = 0;
    for (int t = 0; t < targets.size(); t++) {
      String target = targets.get(t);
      int share = (t + 1) * kills / targets.size() - t * kills / targets.size() + carried;
      carried = 0;
      double[] delays = killDelays(random, share, seconds.get(target), target.equals("ingest"));
      for (int k = 0; k < share; k++) {
        ChildLakeml child = ChildLakeml.start(project, logs, Map.of(), k == 0 ? "run" : target, "--pipeline", "crash", "--root", root.toString());
        processes++;
        String stage = killAfter(child, target, delays[k]);
        if (stage != null) {
          killedIn.merge(stage, 1, Integer::sum);
          points.add(String.format("%s+%.1fs->%s", target, delays[k], stage));
        } else {
          finishedBeforeKill++;
          points.add(String.format("%s+%.1fs->done first", target, delays[k]));
        }
        // The target committed: what is left of its share goes on to the next stage, including this
        // point when it did not land (a rerun that starts from a wreck can be faster than the
        // reference run the points were drawn from), so only the last stage can leave points unused.
        if (stage == null) {
          carried = share - k;
          break;
        }
        if (!stage.equals(target)) {
          carried = share - k - 1;
          break;
        }
      }
    }
    // 3. The run that finishes.
    ChildLakeml last = ChildLakeml.start(project, logs, Map.of(), "run", "--pipeline", "crash", "--root", root.toString());
    assertEquals(0, last.await(600), "the rerun after " + kills + " kills (the wreck is kept at " + root + "):\n" + last.output());
    processes++;
    int landed = killedIn.values().stream().mapToInt(Integer::intValue).sum();

    // 4. Every table against the reference.
    SparkSession spark = TestSpark.session();
    Map<String, long[]> diff = compareTables(spark, reference.toString(), root.toString());
    long lost = diff.values().stream().mapToLong(d -> d[0]).sum();
    long extra = diff.values().stream().mapToLong(d -> d[1]).sum();
    checkModels(spark, root.toString());
    checkPredictionBatches(spark, root.toString());
    Map<String, Long> runs = checkRunRecords(spark, root.toString(), processes);
    boolean killedBeforeScore = killedIn.keySet().stream().anyMatch(s -> !s.equals("score"));
    assertTrue(!killedBeforeScore || runs.getOrDefault("interrupted", 0L) > 0, "killed runs are recorded as interrupted: " + runs);
    String figures =
        String.format(
            "crash-safety: %d kills (seed %d) %s, %d runs finished before their kill point, %d tables compared, rows lost %d, rows extra %d, ops.runs %s, %.0fs%n  points: %s%n",
            landed, seed, killedIn, finishedBeforeKill, diff.size(), lost, extra, runs,
            (System.nanoTime() - t0) / 1e9, points);
    System.out.print(figures);
    Path report = TestSpark.projectDir().resolve("target/crash-safety.txt");
    Files.createDirectories(report.getParent());
    Files.writeString(report, figures);
    List<String> differing = diff.entrySet().stream().filter(e -> e.getValue()[0] + e.getValue()[1] > 0).map(e -> e.getKey() + " lost " + e.getValue()[0] + " extra " + e.getValue()[1]).toList();
    assertTrue(differing.isEmpty(), "tables differ from the uninterrupted run: " + differing + "\n" + figures);
    assertTrue(killedIn.size() >= Math.min(kills, targets.size()) - 1, "kills spread over the stages " + targets + ": " + killedIn);
    // Only the last stage's share can be left over (nothing after it to carry to), and only by its last point.
    assertTrue(landed >= kills - 1, landed + " of " + kills + " kills landed\n" + figures);
  }

  /**
   * {@code n} kill delays (seconds after the stage's start line) for a stage that took {@code seconds}
   * uninterrupted: ascending points in [0, seconds) for a stage that starts over after a kill; for one
   * that keeps its progress (ingest), delays in [0, 2 seconds / (n + 1)), whose sum spans about its
   * whole duration.
   */
  static double[] killDelays(Random random, int n, double seconds, boolean keepsProgress) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = random.nextDouble() * (keepsProgress ? 2 * seconds / (n + 1) : seconds);
    }
    if (!keepsProgress) {
      java.util.Arrays.sort(d);
    }
    return d;
  }

  /**
   * Waits until {@code target}'s start line, then {@code delay} seconds, then SIGKILLs. Returns the
   * stage that was running at the kill, or null when the run ended (successfully) first.
   */
  static String killAfter(ChildLakeml child, String target, double delay) throws Exception {
    long deadline = System.nanoTime() + 600_000_000_000L;
    long killAt = Long.MAX_VALUE;
    while (true) {
      String out = child.output();
      if (!child.process.isAlive()) {
        int code = child.process.exitValue();
        if (code != 0) {
          fail("a run after earlier kills failed (exit " + code + ") instead of resuming:\n" + out);
        }
        return null;
      }
      if (killAt == Long.MAX_VALUE && out.contains(String.format("[%-8s] started", target))) {
        killAt = System.nanoTime() + (long) (delay * 1e9);
      }
      if (System.nanoTime() >= killAt) {
        String running = null;
        Matcher s = STARTED.matcher(child.output());
        while (s.find()) {
          running = s.group(1);
        }
        int code = child.kill();
        if (code == 0) {
          return null; // it ended by itself between the last look and the signal
        }
        assertEquals(137, code, "killed by SIGKILL:\n" + child.output());
        return running;
      }
      if (System.nanoTime() > deadline) {
        child.kill();
        fail("timed out waiting for " + target + ":\n" + out);
      }
      Thread.sleep(20);
    }
  }

  /** Per table (layer/name): {rows missing from actual, rows only in actual}, as multisets of content. */
  static Map<String, long[]> compareTables(SparkSession spark, String expectedRoot, String actualRoot) throws IOException {
    TreeSet<String> tables = new TreeSet<>(tables(expectedRoot));
    tables.addAll(tables(actualRoot));
    Map<String, long[]> out = new TreeMap<>();
    for (String t : tables) {
      if (t.equals("ops/runs")) {
        continue; // killed runs leave no row: checked apart (the last run succeeded)
      }
      Dataset<Row> e = content(spark, expectedRoot + "/" + t, t);
      Dataset<Row> a = content(spark, actualRoot + "/" + t, t);
      if (e == null || a == null) {
        out.put(t, new long[] {e == null ? 0 : e.count(), a == null ? 0 : a.count()});
        continue;
      }
      out.put(t, new long[] {e.exceptAll(a).count(), a.exceptAll(e).count()});
    }
    Row lastRun = spark.read().format("delta").load(actualRoot + "/ops/runs").orderBy(col("started_at").desc()).select("status").first();
    assertEquals("succeeded", lastRun.getString(0), "the last run is recorded as succeeded");
    return out;
  }

  private static Dataset<Row> content(SparkSession spark, String path, String table) {
    if (!Files.isDirectory(Path.of(path, "_delta_log"))) {
      return null;
    }
    Dataset<Row> d = spark.read().format("delta").load(path);
    if (table.equals("ops/ingest_reconciliation")) {
      // How many micro-batches a resumed ingest took may differ; what was read and committed may not.
      return d.groupBy("source").agg(
          org.apache.spark.sql.functions.expr("sum(records_read)"), org.apache.spark.sql.functions.expr("sum(written)"), org.apache.spark.sql.functions.expr("sum(rescued)"),
          org.apache.spark.sql.functions.expr("sum(quarantined_records)"), org.apache.spark.sql.functions.expr("sum(rows_committed)"), org.apache.spark.sql.functions.expr("min(CAST(balanced AS INT))"));
    }
    if (table.equals("ops/quality_results")) {
      // The verdicts of each table's published (accepted) version; a rerun may publish an equal version again.
      d = d.filter("accepted").withColumn("latest", org.apache.spark.sql.functions.max("published_version").over(org.apache.spark.sql.expressions.Window.partitionBy("table_name")))
          .filter("published_version = latest").drop("latest");
    }
    List<Column> cols = new ArrayList<>();
    for (String c : d.columns()) {
      if (NOT_CONTENT.matcher(c).matches()) {
        continue;
      }
      String type = d.schema().apply(c).dataType().typeName();
      Column v = col("`" + c + "`");
      if (type.equals("map")) { // set operations refuse maps: compare their entries, sorted; doubles to 9 decimals as below
        boolean doubles = ((org.apache.spark.sql.types.MapType) d.schema().apply(c).dataType()).valueType() instanceof org.apache.spark.sql.types.DoubleType;
        Column m = doubles ? org.apache.spark.sql.functions.transform_values(v, (k, x) -> round(x, 9)) : v;
        v = org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.map_entries(m)).as(c);
      } else if (c.endsWith("source_file")) {
        v = org.apache.spark.sql.functions.regexp_replace(v, "^.*/data/", "data/").as(c);
      } else if (type.equals("double") || type.equals("float")) {
        v = round(v, 9).as(c);
      }
      cols.add(v);
    }
    return d.select(cols.toArray(new Column[0]));
  }

  static List<String> tables(String root) throws IOException {
    List<String> out = new ArrayList<>();
    for (String layer : List.of("bronze", "silver", "gold", "ops")) {
      Path dir = Path.of(root, layer);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(p -> Files.isDirectory(p.resolve("_delta_log"))).forEach(p -> out.add(layer + "/" + p.getFileName()));
      }
    }
    return out;
  }

  /**
   * One {@code ops.runs} row per process started on the root, killed ones included (each written by
   * the run after it as {@code interrupted}, or by itself if it died after recording its end);
   * returns the count per status.
   */
  static Map<String, Long> checkRunRecords(SparkSession spark, String root, int processes) {
    Dataset<Row> runs = spark.read().format("delta").load(root + "/ops/runs");
    assertEquals(processes, runs.count(), "one row per run, killed runs included");
    assertEquals(processes, runs.select("run_id").distinct().count(), "no run recorded twice");
    Map<String, Long> byStatus = new TreeMap<>();
    for (Row r : runs.groupBy("status").count().collectAsList()) {
      byStatus.put(r.getString(0), r.getLong(1));
    }
    assertTrue(java.util.Set.of("succeeded", "interrupted").containsAll(byStatus.keySet()), "statuses: " + byStatus);
    assertEquals(0, runs.filter("status = 'interrupted' AND (ended_at IS NOT NULL OR started_at IS NULL OR error NOT LIKE '%killed or crashed%')").count(),
        "an interrupted run has its start, no end, and says what happened");
    return byStatus;
  }

  /** Registry rows and model folders match one to one; every registered model loads; one alias event per trained version. */
  static void checkModels(SparkSession spark, String root) throws IOException {
    List<Row> registry = spark.read().format("delta").load(root + "/ops/model_registry").select("model_name", "version", "model_path").collectAsList();
    TreeSet<String> registered = new TreeSet<>();
    for (Row r : registry) {
      assertTrue(registered.add(r.getString(0) + "/v" + r.getInt(1)), "model version registered twice: " + r);
      PipelineModel.load(r.getString(2)); // throws when the files are missing or partial
    }
    TreeSet<String> onDisk = new TreeSet<>();
    try (Stream<Path> models = Files.list(Path.of(root, "_models"))) {
      for (Path model : models.toList()) {
        try (Stream<Path> versions = Files.list(model)) {
          versions.forEach(v -> onDisk.add(model.getFileName() + "/" + v.getFileName()));
        }
      }
    }
    assertEquals(registered, onDisk, "model folders <-> registry rows");
    long aliasEvents = spark.read().format("delta").load(root + "/ops/model_aliases").count();
    assertEquals(registry.size(), aliasEvents, "one alias event per trained version");
    long bins = spark.read().format("delta").load(root + "/ops/model_reference_bins").selectExpr("model_name", "model_version").distinct().count();
    assertEquals(registry.size(), bins, "reference bins for every registered version");
  }

  /** Every prediction batch (run id) was written by one recorded commit, with a registered model and a readable feature version. */
  static void checkPredictionBatches(SparkSession spark, String root) {
    String predictions = root + "/gold/flight_delay_predictions";
    List<Row> batches =
        spark.read().format("delta").load(predictions).groupBy("run_id", "model_name", "model_version", "feature_table_version").count().collectAsList();
    assertEquals(1, batches.size(), "one scoring batch: " + batches);
    Dataset<Row> history = io.delta.tables.DeltaTable.forPath(spark, predictions).history();
    java.util.Set<Integer> registered = new java.util.HashSet<>(
        spark.read().format("delta").load(root + "/ops/model_registry").select("version").as(org.apache.spark.sql.Encoders.INT()).collectAsList());
    long goldVersion = io.delta.tables.DeltaTable.forPath(spark, root + "/gold/flight_features").history(1).first().getLong(0);
    for (Row b : batches) {
      assertEquals(1, history.filter(col("userMetadata").contains("\"" + b.getString(0) + "\"")).count(), "the batch's commit in history: " + b);
      assertTrue(registered.contains(b.getInt(2)), "the batch's model version is registered: " + b);
      assertEquals(goldVersion, b.getLong(3), "the batch was scored on the published gold version");
    }
  }

}
