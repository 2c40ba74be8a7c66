package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.http.Fault;
import dev.lakeml.ingest.http.FaultKind;
import dev.lakeml.ingest.http.FaultPlan;
import dev.lakeml.ingest.http.ReplayApiServer;
import dev.lakeml.jobs.IngestJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest against the replay API with every fault kind injected. What "exactly once" means:
 *
 * <ul>
 *   <li>landing: each distinct response body once (content-addressed), whatever the retries;
 *   <li>bronze: each landed page's records once: no (page file, record index) twice. A record the
 *       API served on two different pages (the repeat-page fault) is in bronze twice, as served;
 *       every source record id is there at least once, and a body that never became a valid page
 *       is one row with its reason (nothing dropped);
 *   <li>silver (de-duplicated by id): every source id exactly once, which bronze's distinct valid
 *       ids stand for here.
 * </ul>
 */
class IngestFaultsTest {
  static final LocalDate D1 = LocalDate.of(2001, 1, 2);
  static final LocalDate D2 = LocalDate.of(2001, 1, 3);
  static final LocalDate D3 = LocalDate.of(2001, 1, 4);

  @TempDir Path tmp;

  @Test
  void everyFaultKindSurvivedEveryRecordInBronzeOnceReconciled() throws Exception {
    FaultPlan plan =
        FaultPlan.builder()
            .onRequest(1, Fault.rateLimit(1))
            .onPage(D1, 2, 2, Fault.serverError())
            .onPage(D1, 3, 100, Fault.repeatPreviousPageRecords())
            .onPage(D2, 1, 1, Fault.slow(Duration.ofMillis(1500)))
            .onPage(D2, 2, 1, Fault.truncatedBody())
            .onPage(D3, 1, 1, Fault.htmlErrorPage(502))
            .onPage(D3, 2, 10, Fault.htmlErrorPage(200)) // outlasts the retries: landed invalid
            .build();
    Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
    plan.rules().forEach(r -> kinds.add(r.fault().kind()));
    assertEquals(EnumSet.allOf(FaultKind.class), kinds, "the plan covers every fault kind");

    try (ReplayApiServer server = ReplayApiServer.builder(IngestFixtures.pullsDir()).faultPlan(plan).build().start()) {
      PipelineSpec spec =
          PipelineSpec.load(IngestFixtures.writeHttpSpec(tmp, "faults", server.baseUri(), D1, D3, ""), "faults");
      Lakehouse lh = TestSpark.freshLakehouse();

      // Run 1: every fault but the lasting HTML page is retried away; D3 stops at its page 2.
      StageResult first = IngestFixtures.ingest(lh, spec);
      assertTrue(first.summary().contains("2001-01-04 stopped at page 2"), first.summary());
      assertTrue(first.summary().contains("1 corrupt"), first.summary());
      PullCursor afterFirst = BronzeIngest.committedCursor(lh, IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze(), "bts_ontime");
      assertTrue(afterFirst.complete(D1.toString()) && afterFirst.complete(D2.toString()));
      assertFalse(afterFirst.complete(D3.toString()));
      List<Row> corrupt = lh.spark().sql("SELECT corrupt_reason, payload FROM bronze.flights_pulls WHERE corrupt_reason IS NOT NULL").collectAsList();
      assertEquals(1, corrupt.size(), "the HTML page is kept as one row");
      assertTrue(corrupt.get(0).getString(0).contains("not valid JSON"), corrupt.get(0).getString(0));
      assertTrue(corrupt.get(0).getString(1).contains("<html>"));

      // Run 2: the API recovered; D3 resumes at page 2. Nothing pulled twice, nothing lost.
      server.setFaultPlan(FaultPlan.none());
      int requestsBefore = server.requestCount();
      IngestFixtures.ingest(lh, spec);
      assertEquals(3, server.requestCount() - requestsBefore, "only D3's pages 2 to 4 are requested");

      Map<Long, Long> expected = new TreeMap<>(IngestFixtures.sourceIds(D1, D3));
      IngestFixtures.ids(D1, 2).forEach(id -> expected.merge(id, 1L, Long::sum)); // served again on D1 page 3
      Map<Long, Long> inBronze = new TreeMap<>();
      for (Row r : lh.spark().sql("SELECT CAST(record_id AS BIGINT), count(*) FROM bronze.flights_pulls WHERE corrupt_reason IS NULL GROUP BY 1").collectAsList()) {
        inBronze.put(r.getLong(0), r.getLong(1));
      }
      assertEquals(expected, inBronze, "bronze holds every served record once per page that served it");
      assertEquals(0L, lh.spark().sql("SELECT source_file, record_index FROM bronze.flights_pulls GROUP BY 1, 2 HAVING count(*) > 1").count(),
          "no page ingested twice");
      assertEquals(IngestFixtures.sourceIds(D1, D3).size(), lh.spark().sql("SELECT DISTINCT record_id FROM bronze.flights_pulls WHERE corrupt_reason IS NULL").count(),
          "distinct ids (what silver keeps) are exactly the source's");

      // Reconciliation: every batch balanced, and the sums match bronze.
      Row rec = lh.spark().sql("SELECT count(*), sum(CASE WHEN balanced THEN 0 ELSE 1 END), sum(records_read), sum(written), sum(quarantined_pages), sum(rows_committed) FROM ops.ingest_reconciliation").first();
      assertEquals(2L, rec.getLong(0), "one row per batch");
      assertEquals(0L, rec.getLong(1));
      long bronzeRows = lh.read(IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze()).count();
      assertEquals(bronzeRows, rec.getLong(5));
      assertEquals(1L, rec.getLong(4));
      assertEquals(rec.getLong(2), rec.getLong(3));

      PullCursor cursor = BronzeIngest.committedCursor(lh, IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze(), "bts_ontime");
      assertTrue(cursor.complete(D1.toString()) && cursor.complete(D2.toString()) && cursor.complete(D3.toString()), cursor.toString());

      // Run 3: nothing due; no request, no commit.
      int before3 = server.requestCount();
      StageResult third = IngestFixtures.ingest(lh, spec);
      assertEquals(StageResult.SKIPPED, third.status(), third.summary());
      assertEquals(before3, server.requestCount());

      // Backfill D1 twice: the first re-pull lands D1 page 3 as the API now serves it (new body),
      // the second lands only bodies already ingested and adds nothing.
      Map<String, String> days = new HashMap<>(Map.of("from", D1.toString(), "to", D1.toString()));
      IngestJob backfill = IngestJob.backfill();
      backfill.run(IngestFixtures.context(lh, spec, days, new ByteArrayOutputStream()));
      long afterBackfill = lh.read(IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze()).count();
      assertEquals(bronzeRows + IngestFixtures.ids(D1, 3).size(), afterBackfill);
      StageResult again = backfill.run(IngestFixtures.context(lh, spec, days, new ByteArrayOutputStream()));
      assertEquals(StageResult.SKIPPED, again.status(), again.summary());
      assertEquals(afterBackfill, lh.read(IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze()).count());
      assertTrue(Files.exists(Path.of(lh.root(), "_landing", "bts_ontime", "_manifest", D1 + ".jsonl")));
    }
  }
}
