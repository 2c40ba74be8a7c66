package dev.lakeml.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lakeml.TestSpark;
import dev.lakeml.delta.RunLock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code lakeml} processes on one lakehouse root: the same job started while it runs is
 * refused at once, naming the run that holds it, and changes nothing; a killed holder frees the lock; different jobs run side by
 * side and both commit to the shared {@code ops.runs} without losing a row.
 */
@Tag("system")
class ConcurrentRunsTest {
  @TempDir Path tmp;

  @Test
  void sameJobTwiceGivesOneRunAndOneRefusalAndOtherJobsRunAlongside() throws Exception {
    Path project = ChildLakeml.project(tmp.resolve("project"), "conc", "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\n", 1);
    Path root = tmp.resolve("lakehouse");
    Path logs = tmp.resolve("logs");
    String[] ingest = {"ingest", "--pipeline", "conc", "--root", root.toString()};

    // The first ingest stops inside its bronze write (a pause point) and holds its lock until killed:
    // a second ingest started meanwhile must be refused however slow the machine is.
    ChildLakeml first = ChildLakeml.start(project, logs, Map.of("LAKEML_PAUSE_AT", "bronze-write"), ingest);
    waitFor(first, "LAKEML_PAUSED bronze-write");
    ChildLakeml second = ChildLakeml.start(project, logs, Map.of(), ingest);
    int secondCode = second.await(300);
    assertEquals(RunLock.REFUSED, secondCode, "the second ingest is refused:\n" + second.output());
    String holder = runId(first.output());
    assertTrue(
        second.output().contains("lakeml: Cannot start ingest of pipeline flights on " + root + ": it is already running in lakeml ingest run " + holder + " (pid " + first.process.pid()),
        "the refusal names the holder:\n" + second.output());
    assertFalse(second.output().contains("\tat "), "no stack trace:\n" + second.output());
    // SIGKILL releases the lock at once: the next ingest runs, from the wreck of the first.
    assertEquals(137, first.kill());
    ChildLakeml third = ChildLakeml.start(project, logs, Map.of(), ingest);
    assertEquals(0, third.await(600), third.output());
    String runId = runId(third.output());

    SparkSession spark = TestSpark.session();
    long bronze = spark.read().format("delta").load(root + "/bronze/flights_pulls").count();
    long distinct = spark.read().format("delta").load(root + "/bronze/flights_pulls").select("record_id").distinct().count();
    assertEquals(distinct, bronze, "no record twice");
    long records = 0;
    try (java.util.stream.Stream<Path> pages = java.nio.file.Files.walk(project.resolve("data/flights/pulls"))) {
      for (Path page : pages.filter(p -> p.toString().endsWith(".json")).toList()) {
        records += new com.fasterxml.jackson.databind.ObjectMapper().readTree(page.toFile()).get("records").size();
      }
    }
    assertEquals(records, bronze, "no record lost");
    // The killed first run is recorded by the third as interrupted; the refused second recorded nothing.
    Map<String, String> runs = new java.util.TreeMap<>();
    for (Row r : spark.read().format("delta").load(root + "/ops/runs").select("run_id", "status").collectAsList()) {
      runs.put(r.getString(0), r.getString(1));
    }
    assertEquals(Map.of(runId, "succeeded", holder, "interrupted"), runs, "the refused run recorded nothing");

    // Different jobs at once: refine (bronze -> silver) while ingest (up to date) runs; both record their run.
    ChildLakeml refine = ChildLakeml.start(project, logs, Map.of(), "refine", "--pipeline", "conc", "--root", root.toString());
    ChildLakeml again = ChildLakeml.start(project, logs, Map.of(), ingest);
    assertEquals(0, refine.await(900), refine.output());
    assertEquals(0, again.await(900), again.output());
    long silver = spark.read().format("delta").load(root + "/silver/flights").count();
    assertTrue(silver > 0 && silver <= bronze, "silver " + silver + " of " + bronze);
    assertEquals(4, spark.read().format("delta").load(root + "/ops/runs").count(), "ops.runs holds the four runs that ran (one killed)");
  }

  static String runId(String output) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\| run (\\S+)").matcher(output);
    assertTrue(m.find(), output);
    return m.group(1);
  }

  static void waitFor(ChildLakeml child, String line) throws InterruptedException {
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (!child.output().contains(line)) {
      if (!child.process.isAlive() || System.nanoTime() > deadline) {
        child.kill();
        fail("no '" + line + "' from the child:\n" + child.output());
      }
      Thread.sleep(20);
    }
  }
}
