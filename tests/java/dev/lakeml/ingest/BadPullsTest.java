package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken raw pulls (tests/resources/bad-pulls, one kind per folder, expectations in EXPECTED.tsv)
 * and the JSONTestSuite parsing corpus, each file as the only record of a page: one ingest run, no
 * failure, every body in bronze (valid records, rescued records, or the page kept whole with its
 * reason), every batch reconciled.
 */
class BadPullsTest {
  /** The public JSONTestSuite corpus, in shared/ beside the checkout (CI) or the workplace's copy. */
  static final Path SUITE =
      java.util.stream.Stream.of(
              dev.lakeml.TestSpark.projectDir().resolve("../shared/corpora/json-test-suite/test_parsing"),
              Path.of("/work/shared/corpora/json-test-suite/test_parsing"))
          .filter(java.nio.file.Files::isDirectory)
          .findFirst()
          .orElse(dev.lakeml.TestSpark.projectDir().resolve("../shared/corpora/json-test-suite/test_parsing"));

  @TempDir Path tmp;

  @Test
  void everyBrokenPullEndsInBronzeWithAReasonAndTheRunReconciles() throws Exception {
    Path corpus = TestSpark.projectDir().resolve("tests/resources/bad-pulls");
    Path landing = Files.createDirectories(tmp.resolve("landing"));
    Map<String, String> expected = new TreeMap<>();
    for (String line : Files.readAllLines(corpus.resolve("EXPECTED.tsv"))) {
      if (!line.startsWith("#") && !line.isBlank()) { // kind <tab> expected
        String[] kv = line.split("\t");
        expected.put(kv[0], kv[1]);
        Files.createDirectories(landing.resolve(kv[0]));
        Files.copy(corpus.resolve(kv[0]).resolve("page-0001.json"), landing.resolve(kv[0]).resolve("page-0001.json"));
      }
    }
    assertTrue(expected.size() >= 25, expected.size() + " kinds");
    // JSONTestSuite: y_ documents must leave their page valid, n_ documents must not.
    boolean suite = Files.isDirectory(SUITE);
    if (suite) {
      try (Stream<Path> files = Files.list(SUITE)) {
        for (Path f : files.filter(p -> p.getFileName().toString().matches("[yn]_.*\\.json")).sorted().toList()) {
          String kind = "suite-" + f.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
          byte[] doc = Files.readAllBytes(f);
          byte[] head = "{\"page\":1,\"records\":[".getBytes();
          byte[] tail = "]}".getBytes();
          byte[] body = new byte[head.length + doc.length + tail.length];
          System.arraycopy(head, 0, body, 0, head.length);
          System.arraycopy(doc, 0, body, head.length, doc.length);
          System.arraycopy(tail, 0, body, head.length + doc.length, tail.length);
          Files.createDirectories(landing.resolve(kind));
          Files.write(landing.resolve(kind).resolve("page-0001.json"), body);
          // A blank document wraps into an empty records array: a valid page with no records, no row.
          boolean blank = new String(doc, java.nio.charset.StandardCharsets.ISO_8859_1).isBlank();
          expected.put(kind, blank ? "none" : f.getFileName().toString().startsWith("n_") ? "page" : "valid-page");
        }
      }
    }

    Files.createDirectories(tmp.resolve("project/jobs"));
    Files.writeString(tmp.resolve("project/jobs/bad.conf"),
        "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\nsource.path = \"" + landing + "\"\n");
    Lakehouse lh = TestSpark.freshLakehouse();
    StageResult result = IngestFixtures.ingest(lh, PipelineSpec.load(tmp.resolve("project"), "bad"));
    assertEquals(StageResult.SUCCEEDED, result.status(), result.summary());

    Map<String, String> actual = new TreeMap<>();
    for (Row r : lh.spark().sql(
            "SELECT regexp_extract(source_file, '([^/]+)/[^/]+$', 1), count(*),"
                + " count(CASE WHEN record_index IS NULL THEN 1 END), count(CASE WHEN record_index IS NOT NULL AND corrupt_reason IS NULL THEN 1 END),"
                + " count(CASE WHEN record_index IS NOT NULL AND corrupt_reason IS NOT NULL THEN 1 END), min(corrupt_reason)"
                + " FROM bronze.flights_pulls GROUP BY 1").collectAsList()) {
      String kind = r.getString(0);
      String outcome = r.getLong(2) > 0 ? "page" : r.getLong(3) + " " + r.getLong(4);
      if (r.getLong(2) > 0) {
        assertEquals(1L, r.getLong(1), kind + ": a corrupt page is one row");
        assertTrue(r.getString(5) != null && !r.getString(5).isBlank(), kind + " has a reason");
      }
      if (kind.startsWith("suite-") && !outcome.equals("page")) {
        outcome = "valid-page";
      }
      actual.put(kind, outcome);
    }
    List<String> wrong = new ArrayList<>();
    expected.forEach((kind, want) -> {
      if (!want.equals(actual.getOrDefault(kind, "none"))) {
        wrong.add(kind + ": expected " + want + ", got " + actual.get(kind));
      }
    });
    System.out.println("bad pulls: " + expected.size() + " bodies, " + wrong.size() + " unexpected\n  " + String.join("\n  ", wrong));
    assertEquals(List.of(), wrong);

    Row rec = lh.spark().sql("SELECT count(*), min(CAST(balanced AS INT)), sum(pages) FROM ops.ingest_reconciliation").first();
    assertEquals(1, rec.getInt(1), "every batch balanced");
    // Every page with a body, those with no record too; a 0-byte file is no row of Spark's text source (a known gap, EXPECTED.tsv).
    long withBody = expected.keySet().stream().filter(kind -> landing.resolve(kind).resolve("page-0001.json").toFile().length() > 0).count();
    assertEquals(withBody, rec.getLong(2), "every page with a body was read and reconciled");

    // record_id is what get_json_object(payload, '$.id') says, for every kind of body above.
    assertEquals(0L, lh.spark().sql("SELECT count(*) FROM bronze.flights_pulls WHERE NOT (record_id <=> get_json_object(payload, '$.id'))").first().getLong(0));
    // Delta keeps file statistics for the columns reads filter bronze on, not for payloads or hashes.
    String bronze = lh.path(dev.lakeml.delta.TableId.parse("bronze.flights_pulls"));
    assertEquals(String.join(",", BronzeRecords.STATS_COLUMNS),
        lh.spark().sql("SHOW TBLPROPERTIES delta.`" + bronze + "` ('" + Lakehouse.STATS_COLUMNS + "')").first().getString(1));
    List<String> stats =
        lh.spark().read().json(bronze + "/_delta_log/*.json").where("add.stats IS NOT NULL").select("add.stats").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertTrue(!stats.isEmpty() && stats.stream().allMatch(s -> s.contains("\"source_file\"") && !s.contains("payload") && !s.contains("sha256") && !s.contains("page_request")), stats.toString());
  }
}
