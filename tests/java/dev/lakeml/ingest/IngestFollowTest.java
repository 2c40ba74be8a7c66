package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.IngestJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest --follow}: new landing files are taken by the next trigger (within one interval of
 * landing), exactly once, while the query keeps running.
 */
class IngestFollowTest {
  static final long INTERVAL_MS = 3000;
  static final LocalDate D1 = LocalDate.of(2001, 2, 1);
  static final LocalDate D2 = LocalDate.of(2001, 2, 2);

  @TempDir Path tmp;

  @Test
  void newLandingFilesReachBronzeWithinOneTriggerExactlyOnce() throws Exception {
    Path landing = Files.createDirectories(tmp.resolve("landing"));
    Files.createDirectories(tmp.resolve("project/jobs"));
    Files.writeString(
        tmp.resolve("project/jobs/follow.conf"),
        "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\nsource.path = \"" + landing + "\"\n");
    PipelineSpec spec = PipelineSpec.load(tmp.resolve("project"), "follow");
    Lakehouse lh = TestSpark.freshLakehouse();
    land(D1, landing);

    CompletableFuture<StageResult> run =
        CompletableFuture.supplyAsync(
            () -> new IngestJob().run(IngestFixtures.context(lh, spec, Map.of("follow", "true", "interval-ms", Long.toString(INTERVAL_MS)), new ByteArrayOutputStream())));
    try {
      long d1 = IngestFixtures.sourceIds(D1, D1).size();
      awaitRows(lh, d1, run);
      // Land the next files once the first batch is wholly done (its reconciliation is its last write).
      while (!lh.spark().catalog().tableExists("ops.ingest_reconciliation")
          || lh.spark().sql("SELECT count(*) FROM ops.ingest_reconciliation").first().getLong(0) < 1) {
        Thread.sleep(200);
      }
      Thread.sleep(INTERVAL_MS);
      Instant landed = Instant.now();
      land(D2, landing);
      long both = d1 + IngestFixtures.sourceIds(D2, D2).size();
      awaitRows(lh, both, run);

      StreamingQuery query = lh.spark().streams().active()[0];
      // The trigger that took the files is the last one that ran a batch (idle triggers only list
      // files). It may have started a moment before the files landed and listed them after.
      StreamingQueryProgress took = null;
      for (StreamingQueryProgress p : query.recentProgress()) {
        if (p.durationMs().containsKey("addBatch")) {
          took = p;
        }
      }
      StringBuilder seen = new StringBuilder("landed at " + landed + "; triggers:");
      for (StreamingQueryProgress p : query.recentProgress()) {
        seen.append("\n  ").append(p.batchId()).append(' ').append(p.timestamp()).append(' ').append(p.durationMs()).append(" rows=").append(p.numInputRows());
      }
      assertTrue(took != null, "a trigger after the landing took the new files. " + seen);
      long waited = Math.max(0, Instant.parse(took.timestamp()).toEpochMilli() - landed.toEpochMilli());
      System.out.printf("follow: new files taken by the trigger %d ms after landing (interval %d ms)%n", waited, INTERVAL_MS);
      assertTrue(waited <= INTERVAL_MS + 500, "taken " + waited + " ms after landing, interval " + INTERVAL_MS);

      Thread.sleep(2 * INTERVAL_MS); // more triggers with nothing new: still exactly once
      assertEquals(both, lh.spark().sql("SELECT count(*) FROM bronze.flights_pulls").first().getLong(0));
      assertEquals(both, lh.spark().sql("SELECT count(DISTINCT record_id) FROM bronze.flights_pulls").first().getLong(0));
      query.stop();
      StageResult result = run.get(60, TimeUnit.SECONDS);
      assertEquals(StageResult.SUCCEEDED, result.status(), result.summary());
    } finally {
      for (StreamingQuery q : lh.spark().streams().active()) {
        q.stop();
      }
    }
  }

  /** Lands a day's pages as a puller would: written aside, then renamed into the folder. */
  private static void land(LocalDate day, Path landing) throws IOException {
    Path dir = Files.createDirectories(landing.resolve(day.toString()));
    try (Stream<Path> pages = Files.list(IngestFixtures.pullsDir().resolve(day.toString()))) {
      for (Path page : pages.sorted().toList()) {
        Path aside = dir.resolve("." + page.getFileName() + ".tmp");
        Files.copy(page, aside);
        Files.move(aside, dir.resolve(page.getFileName()), StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  private static void awaitRows(Lakehouse lh, long rows, CompletableFuture<StageResult> run) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        run.get(); // surfaces the job's failure
        throw new AssertionError("ingest --follow ended on its own");
      }
      if (lh.spark().catalog().tableExists("bronze.flights_pulls")
          && lh.spark().sql("SELECT count(*) FROM bronze.flights_pulls").first().getLong(0) >= rows) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("bronze did not reach " + rows + " rows in 120 s");
  }
}
