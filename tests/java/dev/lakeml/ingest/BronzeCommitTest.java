package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.catalog.AnalystCatalog;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.ingest.http.ReplayApiServer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which bronze commit holds an ingest batch is read from Delta's transaction record of the
 * idempotent write, not from the table's newest version: a docs commit can follow the data's (a
 * bronze created by a process that did not document it, e.g. one killed before its docs commit),
 * and a batch committed before a crash is replayed as a skipped write.
 */
class BronzeCommitTest {
  static final LocalDate DAY = LocalDate.of(2001, 1, 2);

  @TempDir Path tmp;

  @Test
  void theBatchIsAccountedToItsOwnCommitWhenADocsCommitFollowsAndOnceWhenReplayed() throws Exception {
    try (ReplayApiServer server = ReplayApiServer.builder(IngestFixtures.pullsDir()).build().start()) {
      PipelineSpec spec = PipelineSpec.load(IngestFixtures.writeHttpSpec(tmp, "commits", server.baseUri(), DAY, DAY, ""), "commits");
      Lakehouse lh = TestSpark.freshLakehouse();
      TableId bronze = IngestFixtures.context(lh, spec, Map.of(), new ByteArrayOutputStream()).bronze();
      // Bronze exists empty and undocumented, as a process that was killed before documenting it leaves it
      // (no documenting session: this test's precondition, stated here though CatalogDocsIsolation
      // already starts each test class without one).
      AnalystCatalog.forget(lh.spark());
      StructType pageSchema =
          new StructType().add("body", DataTypes.StringType).add("source_file", DataTypes.StringType).add("file_modified_at", DataTypes.TimestampType);
      lh.write(
          BronzeRecords.fromPages(lh.spark().createDataFrame(List.<Row>of(), pageSchema), spec.source().name(), "records", "id"),
          bronze, Lakehouse.Write.append().statsOn(BronzeRecords.STATS_COLUMNS), Map.of());
      long empty = lh.latestVersion(bronze);

      AnalystCatalog.activate(lh, spec);
      try {
        IngestFixtures.ingest(lh, spec);
        long records = IngestFixtures.sourceIds(DAY, DAY).values().stream().mapToLong(Long::longValue).sum();
        assertEquals(records, lh.read(bronze).count());
        long data = empty + 1;
        assertEquals("WRITE", lh.history(bronze).filter("version = " + data).first().getAs("operation"));
        assertTrue(lh.latestVersion(bronze) > data, "the docs commit follows the data's (else this test shows nothing)");
        Row first = reconciliation(lh);
        assertEquals(data, first.getLong(first.fieldIndex("bronze_version")), "the batch's own commit, not the docs commit after it");
        assertEquals(records, first.getLong(first.fieldIndex("rows_committed")));
        assertTrue(first.getBoolean(first.fieldIndex("balanced")));
        assertFalse(first.getBoolean(first.fieldIndex("replayed")));

        // A crash after bronze's commit, before the streaming checkpoint's: the rerun replays the batch.
        Path commits = Path.of(lh.area("checkpoints"), bronze.layer().dbName(), bronze.name(), spec.source().name(), "commits");
        Files.delete(commits.resolve("0"));
        Files.deleteIfExists(commits.resolve(".0.crc"));
        long latest = lh.latestVersion(bronze);
        IngestFixtures.ingest(lh, spec);
        assertEquals(records, lh.read(bronze).count(), "the replayed batch is not appended twice");
        assertEquals(latest, lh.latestVersion(bronze), "nothing committed by the replay");
        assertEquals(first, reconciliation(lh), "the batch is reconciled once");
      } finally {
        AnalystCatalog.forget(lh.spark());
      }
    }
  }

  private static Row reconciliation(Lakehouse lh) {
    List<Row> rows = lh.read(IngestReconciliation.TABLE).collectAsList();
    assertEquals(1, rows.size(), rows.toString());
    return rows.get(0);
  }
}
