package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.http.Fault;
import dev.lakeml.ingest.http.FaultPlan;
import dev.lakeml.ingest.http.ReplayApiServer;
import dev.lakeml.delta.Lakehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real process kills: {@code lakeml ingest} runs as a child JVM and is SIGKILLed mid-pull (while a
 * request is in flight), after landing, inside the bronze write tasks, and after the bronze commit
 * but before the streaming checkpoint; each rerun goes on from the wreck. Bronze and the
 * reconciliation must equal an uninterrupted run's. JUnit tag {@code crash}, with
 * {@code CrashSafetyTest}: run by {@code scripts/test-crash} (a step of {@code .ci/run}), not by the
 * default suite.
 */
@Tag("crash")
class IngestKillTest {
  static final LocalDate FROM = LocalDate.of(2001, 1, 5);
  static final LocalDate TO = LocalDate.of(2001, 1, 7);
  static final String BRONZE_ROWS =
      "SELECT regexp_extract(source_file, '([^/]+/[^/]+)$', 1) AS file, record_index, record_id, payload, corrupt_reason FROM %s";

  // A failed run keeps its folder (the wreck) to inspect; a passed one is cleaned up.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp;

  @Test
  void killedAnywhereThenRerunEqualsAnUninterruptedRun() throws Exception {
    try (ReplayApiServer server = ReplayApiServer.builder(IngestFixtures.pullsDir()).build().start()) {
      Path project = IngestFixtures.writeHttpSpec(tmp.resolve("project"), "killtest", server.baseUri(), FROM, TO, "");
      copyConf(project);

      // The uninterrupted run, in this JVM.
      Lakehouse reference = TestSpark.freshLakehouse();
      IngestFixtures.ingest(reference, PipelineSpec.load(project, "killtest"));
      List<Row> expected = reference.spark().sql(String.format(BRONZE_ROWS, "bronze.flights_pulls") + " ORDER BY 1, 2").collectAsList();
      assertTrue(expected.size() > 300, "the three days have " + expected.size() + " records");

      Path root = tmp.resolve("lakehouse");
      int before = server.requestCount();
      int day1Page1 = server.requestCount(FROM, 1);
      int day2Page2 = server.requestCount(FROM.plusDays(1), 2);
      // 1. Mid-pull: day 2's page 2 answers only after 30 s; killed while that request waits.
      server.setFaultPlan(FaultPlan.builder().onPage(FROM.plusDays(1), 2, 100, Fault.slow(Duration.ofSeconds(30))).build());
      Process p = start(project, root, null);
      waitFor(() -> server.requestCount(FROM.plusDays(1), 2) > day2Page2, p, "the pull of day 2 page 2");
      kill(p);
      assertTrue(server.requestCount() - before < 12, "killed mid-pull");
      server.setFaultPlan(FaultPlan.none());
      // 2. After landing, before bronze. 3. Inside the bronze write. 4. After the bronze commit.
      for (String point : List.of("landed", "bronze-write", "bronze-committed")) {
        Process q = start(project, root, point);
        waitForMarker(q, point);
        kill(q);
      }
      // 5. The rerun that finishes.
      Process last = start(project, root, null);
      assertTrue(last.waitFor(240, TimeUnit.SECONDS), "the last rerun finishes");
      assertEquals(0, last.exitValue(), "the last rerun (the wreck is kept at " + root + "):\n" + output(last));

      Lakehouse recovered = new Lakehouse(reference.spark(), root.toString());
      String table = "delta.`" + recovered.path(IngestFixtures.context(recovered, PipelineSpec.load(project, "killtest"), java.util.Map.of(), new java.io.ByteArrayOutputStream()).bronze()) + "`";
      List<Row> actual = reference.spark().sql(String.format(BRONZE_ROWS, table) + " ORDER BY 1, 2").collectAsList();
      assertEquals(expected.size(), actual.size(), "row count after 4 kills");
      assertEquals(expected, actual, "bronze after 4 kills equals the uninterrupted run's");
      // Day 1 was pulled once: pages landed before the kill were not fetched again.
      assertEquals(day1Page1 + 1, server.requestCount(FROM, 1));
      Row rec = reference.spark().sql("SELECT count(*), min(CAST(balanced AS INT)), max(CAST(replayed AS INT)), sum(rows_committed) FROM delta.`"
          + root.resolve("ops/ingest_reconciliation") + "`").first();
      assertEquals(1L, rec.getLong(0), "one batch, recorded once although it ran twice");
      assertEquals(1, rec.getInt(1), "balanced");
      assertEquals(1, rec.getInt(2), "the row comes from the replay after the kill that followed the commit");
      assertEquals(expected.size(), rec.getLong(3));
    }
  }

  private static void copyConf(Path project) throws IOException {
    Files.createDirectories(project.resolve("conf"));
    try (Stream<Path> files = Files.list(TestSpark.projectDir().resolve("conf"))) {
      for (Path f : files.toList()) {
        Files.copy(f, project.resolve("conf").resolve(f.getFileName()));
      }
    }
  }

  private Process start(Path project, Path root, String pausePoint) throws IOException {
    Path repo = TestSpark.projectDir();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(javaFlags(repo.resolve("scripts/java-flags")));
    cmd.add("-Dlog4j2.configurationFile=" + repo.resolve("conf/log4j2.properties"));
    cmd.add("-Dlakeml.project.dir=" + project);
    cmd.add("-cp");
    cmd.add(classpath(repo));
    cmd.addAll(List.of("dev.lakeml.cli.Lakeml", "ingest", "--pipeline", "killtest", "--root", root.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove(PausePoints.ENV);
    pb.environment().remove("LAKEML_ROOT");
    if (pausePoint != null) {
      pb.environment().put(PausePoints.ENV, pausePoint);
    }
    Path log = tmp.resolve("child-" + System.nanoTime() + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    logs.put(p, log);
    return p;
  }

  private final java.util.Map<Process, Path> logs = new java.util.HashMap<>();

  private String output(Process p) throws IOException {
    return Files.readString(logs.get(p), StandardCharsets.UTF_8);
  }

  private void waitForMarker(Process p, String point) throws Exception {
    waitFor(() -> {
      try {
        return output(p).contains(PausePoints.MARKER + point);
      } catch (IOException e) {
        return false;
      }
    }, p, "pause point " + point);
  }

  private void waitFor(BooleanSupplier condition, Process p, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (!condition.getAsBoolean()) {
      if (!p.isAlive()) {
        fail("the child ended before " + what + " (exit " + p.exitValue() + "):\n" + output(p));
      }
      if (System.nanoTime() > deadline) {
        kill(p);
        fail("timed out waiting for " + what + ":\n" + output(p));
      }
      Thread.sleep(50);
    }
  }

  /** SIGKILL: no shutdown hook, no finally block runs in the child. */
  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    assertEquals(137, p.exitValue(), "killed by SIGKILL");
  }

  static String classpath(Path repo) throws IOException {
    Path runtime = repo.resolve("target/runtime.classpath");
    if (Files.exists(runtime)) {
      return repo.resolve("target/classes") + java.io.File.pathSeparator + Files.readString(runtime).strip();
    }
    return System.getProperty("java.class.path");
  }

  static List<String> javaFlags(Path file) throws IOException {
    List<String> flags = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)(?<=\\s|\\()(-[-A-Za-z+][^\\s)]*)").matcher(Files.readString(file));
    while (m.find()) {
      flags.add(m.group(1));
    }
    return flags;
  }
}
