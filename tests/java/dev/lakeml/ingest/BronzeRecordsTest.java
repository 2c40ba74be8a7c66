package dev.lakeml.ingest;

import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Pages become one bronze row per record; nothing is dropped, broken input says why. */
class BronzeRecordsTest {
  static final StructType PAGES =
      new StructType().add("body", DataTypes.StringType).add("source_file", DataTypes.StringType).add("file_modified_at", DataTypes.TimestampType);

  static Dataset<Row> pages(String... bodies) {
    Timestamp t = Timestamp.valueOf("2001-01-02 00:00:00");
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < bodies.length; i++) {
      rows.add(RowFactory.create(bodies[i], "file:/landing/p" + i + ".json", t));
    }
    return TestSpark.session().createDataFrame(rows, PAGES);
  }

  /** Pages of every kind: valid, empty, truncated, not JSON, without records, with records that are not objects. */
  static final String[] ODD_PAGES = {
        "{\"page\":1,\"request\":{\"date\":\"2001-01-01\"},\"records\":[{\"id\":1,\"delay\":3},{\"id\":2,\"delay\":\"late\"}]}",
        "{\"page\":2,\"records\":[]}",
        "{\"page\":3,\"records\":[{\"id\":3}",
        "<html><body>502 Bad Gateway</body></html>",
        "{\"page\":4,\"items\":[{\"id\":4}]}",
        "{\"page\":5,\"records\":[7, null, {\"id\":5}]}"};

  @Test
  void everyRecordOfEveryPageIsKeptWithItsProvenance() {
    Dataset<Row> out = BronzeRecords.fromPages(pages(ODD_PAGES), "api", "records", "id");
    Map<String, Row> bySource =
        out.collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("source_file") + "#" + r.getAs("record_index"), r -> r));
    // page 1: two records, the second with a wrong type is still a valid bronze record (silver judges types)
    Row r1 = bySource.get("file:/landing/p0.json#0");
    assertEquals("1", r1.getAs("record_id"));
    assertEquals("{\"id\":1,\"delay\":3}", r1.getAs("payload"));
    assertNull(r1.getAs("corrupt_reason"));
    assertEquals(1L, (long) r1.getAs("page_number"));
    assertEquals("{\"date\":\"2001-01-01\"}", r1.getAs("page_request"));
    assertNull(bySource.get("file:/landing/p0.json#1").getAs("corrupt_reason"));
    // an empty page has no records and so no rows
    assertEquals(0, out.filter("source_file = 'file:/landing/p1.json'").count());
    // truncated JSON and an HTML error page: one row each, the whole body kept, the reason said
    Row truncated = bySource.get("file:/landing/p2.json#null");
    assertTrue(((String) truncated.getAs("corrupt_reason")).startsWith("page is not valid JSON (truncated or not JSON)"));
    assertEquals("{\"page\":3,\"records\":[{\"id\":3}", truncated.getAs("payload"));
    assertTrue(((String) bySource.get("file:/landing/p3.json#null").getAs("corrupt_reason")).startsWith("page is not valid JSON"));
    assertEquals("page has no 'records' array", bySource.get("file:/landing/p4.json#null").getAs("corrupt_reason"));
    // records that are not objects are kept and flagged
    assertEquals("record is not a JSON object", bySource.get("file:/landing/p5.json#0").getAs("corrupt_reason"));
    assertEquals("record is null", bySource.get("file:/landing/p5.json#1").getAs("corrupt_reason"));
    assertNull(bySource.get("file:/landing/p5.json#2").getAs("corrupt_reason"));
    assertEquals(8, out.count(), "2 + 0 + 1 + 1 + 1 + 3 rows");
    assertEquals(64, ((String) r1.getAs("payload_sha256")).length());
  }

  /** The ingest's reconciliation counts each page without exploding it; the counts must be those of the exploded rows. */
  @Test
  void pageFactsCountWhatFromPagesMakesOfEachPage() {
    // And a page the strict parse rejects (its page number is not a number) whose records a lenient scan still finds.
    String[] bodies = java.util.Arrays.copyOf(ODD_PAGES, ODD_PAGES.length + 1);
    bodies[ODD_PAGES.length] = "{\"page\":\"six\",\"records\":[{\"id\":6},{\"id\":7}]}";
    Dataset<Row> pages = pages(bodies);
    Map<String, String> fromRows =
        BronzeRecords.fromPages(pages, "api", "records", "id")
            .groupBy("source_file")
            .agg(
                expr("count(*)").as("rows"),
                expr("count_if(record_index IS NOT NULL AND corrupt_reason IS NULL)").as("written"),
                expr("count_if(record_index IS NOT NULL AND corrupt_reason IS NOT NULL)").as("rescued"),
                expr("count_if(record_index IS NULL)").as("quarantined_pages"),
                expr("max(page_number)").as("last_page"))
            .collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.get(1) + " " + r.get(2) + " " + r.get(3) + " " + r.get(4) + " " + r.get(5)));
    Map<String, Row> facts =
        BronzeRecords.facts(BronzeRecords.parse(pages, "records")).collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("source_file"), r -> r));
    assertEquals(7, facts.size(), "every page, the empty one too");
    for (Map.Entry<String, Row> e : facts.entrySet()) {
      Row f = e.getValue();
      String counted = f.getAs("rows") + " " + f.getAs("written") + " " + f.getAs("rescued") + " " + f.getAs("quarantined_pages") + " " + f.getAs("last_page");
      assertEquals(fromRows.getOrDefault(e.getKey(), "0 0 0 0 2"), counted, e.getKey());
    }
    assertEquals("3 1 2 0 5", fromRows.get("file:/landing/p5.json"));
    assertEquals("1 0 0 1 null", fromRows.get("file:/landing/p6.json"));
    // The lenient scan's array lengths: a page the strict parse rejected keeps its count (p6).
    assertEquals(List.of(2L, 0L, 0L, 0L, 0L, 3L, 2L),
        java.util.stream.IntStream.range(0, 7).mapToObj(i -> (Long) facts.get("file:/landing/p" + i + ".json").getAs("scanned")).toList());
  }
}
