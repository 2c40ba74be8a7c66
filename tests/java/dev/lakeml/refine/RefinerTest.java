package dev.lakeml.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.BronzeRecords;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Bronze to silver: types checked, re-pulls collapsed by id, lookups enforced, every reason kept. */
class RefinerTest {
  static Dataset<Row> bronze(Object[]... pages) {
    StructType schema =
        new StructType().add("body", DataTypes.StringType).add("source_file", DataTypes.StringType).add("file_modified_at", DataTypes.TimestampType);
    List<Row> rows = new java.util.ArrayList<>();
    for (Object[] p : pages) {
      rows.add(RowFactory.create(p[0], p[1], Timestamp.valueOf((String) p[2])));
    }
    return BronzeRecords.fromPages(TestSpark.session().createDataFrame(rows, schema), "api", "records", "id");
  }

  static PipelineSpec.Refined spec() {
    Map<String, String> columns = new LinkedHashMap<>();
    columns.put("origin", "origin");
    columns.put("delay", "delay");
    columns.put("origin_tz", "origin_tz");
    return new PipelineSpec.Refined(
        "flights", "flights_quarantine", null, "id BIGINT, delay INT, origin STRING", "id",
        List.of(new PipelineSpec.Lookup("airports", "origin", "iata", List.of("tz"), "origin_", true)),
        columns, List.of("delay"), List.of(), "");
  }

  @Test
  void refinesDedupesAndQuarantinesWithEveryReason() {
    Dataset<Row> airports =
        TestSpark.session().createDataFrame(
            List.of(RowFactory.create("SEA", "America/Los_Angeles"), RowFactory.create("JFK", "America/New_York")),
            new StructType().add("iata", DataTypes.StringType).add("tz", DataTypes.StringType));
    Dataset<Row> b =
        bronze(
            new Object[] {"{\"records\":[{\"id\":1,\"delay\":5,\"origin\":\"SEA\"},{\"id\":2,\"delay\":9,\"origin\":\"SEA\"}]}", "f1", "2001-01-01 00:00:00"},
            // a later re-pull of id 2 with a corrected delay, plus bad records
            new Object[] {
              "{\"records\":[{\"id\":2,\"delay\":7,\"origin\":\"SEA\"},{\"id\":3,\"delay\":\"late\",\"origin\":\"XXX\"},{\"delay\":1,\"origin\":\"JFK\"}]}",
              "f2",
              "2001-01-02 00:00:00"
            },
            new Object[] {"not json", "f3", "2001-01-02 00:00:00"});
    Refiner.Output out = Refiner.refine(Refiner.dedupe(Refiner.parseBronze(b, spec().recordSchema()), "id"), spec(), Map.of("airports", airports));
    Map<Long, Row> valid = new java.util.HashMap<>();
    out.valid().collectAsList().forEach(r -> valid.put(r.getLong(0), r));
    assertEquals(2, valid.size());
    assertEquals(7, (int) valid.get(2L).getAs("delay"), "the newest pull of a record wins");
    assertEquals("America/Los_Angeles", valid.get(1L).getAs("origin_tz"));
    assertEquals("f2", valid.get(2L).getAs("_source_file"), "lineage: which page the row came from");
    Map<String, List<String>> reasons = new java.util.HashMap<>();
    Map<String, String> payloads = new java.util.HashMap<>();
    for (Row r : out.quarantine().collectAsList()) {
      reasons.put(r.getAs("source_file") + ":" + r.getAs("record_key"), r.getList(r.fieldIndex("reasons")));
      payloads.put(r.getAs("source_file") + ":" + r.getAs("record_key"), r.getAs("payload"));
    }
    assertEquals(3, reasons.size());
    assertEquals("{\"id\":3,\"delay\":\"late\",\"origin\":\"XXX\"}", payloads.get("f2:3"), "a quarantined row keeps its raw record");
    assertEquals(
        0, out.annotated().filter("size(_reasons) = 0 AND _payload IS NOT NULL").count(), "a valid row carries no raw record into the cached rows");
    assertEquals(
        List.of("delay: expected int, got late", "origin: 'XXX' not found in airports", "delay: missing or invalid"), reasons.get("f2:3"), "every reason is kept");
    assertEquals(List.of("id: missing"), reasons.get("f2:null"));
    assertTrue(reasons.get("f3:null").get(0).startsWith("page is not valid JSON"), reasons.toString());
    // reconciliation: 6 bronze rows = 2 silver + 3 quarantined + 1 re-pulled duplicate
    assertEquals(6, b.count());
  }

  @Test
  void sameInputGivesSameSilverWhateverTheOrder() {
    Object[] p1 = {"{\"records\":[{\"id\":1,\"delay\":5,\"origin\":\"SEA\"}]}", "f1", "2001-01-01 00:00:00"};
    Object[] p2 = {"{\"records\":[{\"id\":1,\"delay\":6,\"origin\":\"SEA\"}]}", "f2", "2001-01-01 00:00:00"};
    Dataset<Row> airports =
        TestSpark.session().createDataFrame(List.of(RowFactory.create("SEA", "x")), new StructType().add("iata", DataTypes.StringType).add("tz", DataTypes.StringType));
    Row a = Refiner.refine(Refiner.dedupe(Refiner.parseBronze(bronze(p1, p2), spec().recordSchema()), "id"), spec(), Map.of("airports", airports)).valid().first();
    Row b = Refiner.refine(Refiner.dedupe(Refiner.parseBronze(bronze(p2, p1), spec().recordSchema()), "id"), spec(), Map.of("airports", airports)).valid().first();
    assertEquals(6, (int) a.getAs("delay"), "same modification time: the greater file name wins");
    assertEquals(a, b);
  }

  /** Rows with a null key part are all kept, however many share a file; keyed copies collapse to the newest. */
  @Test
  void dedupeKeepsEveryRowWithANullKeyPart() {
    StructType schema = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.StringType).add("_file_modified_at", DataTypes.TimestampType)
        .add("_source_file", DataTypes.StringType).add("_record_index", DataTypes.IntegerType);
    Timestamp t1 = Timestamp.valueOf("2001-01-01 00:00:00");
    Timestamp t2 = Timestamp.valueOf("2001-01-02 00:00:00");
    Dataset<Row> rows =
        TestSpark.session().createDataFrame(
            List.of(
                RowFactory.create(1L, "x", t1, "f1", 0), RowFactory.create(1L, "x", t2, "f2", 0), // a re-pull: f2 wins
                RowFactory.create(1L, "y", t1, "f1", 1),
                RowFactory.create(null, "x", t1, "f1", 2), RowFactory.create(null, "x", t1, "f1", 2), RowFactory.create(null, "x", t2, "f2", 1),
                RowFactory.create(2L, null, t1, "f1", 3), RowFactory.create(2L, null, t1, "f1", 4),
                RowFactory.create(null, null, t1, "f1", 5)),
            schema);
    List<String> one = Refiner.dedupe(rows, "a").filter("a IS NULL").orderBy("_source_file", "_record_index").select("_source_file").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of("f1", "f1", "f1", "f2"), one, "every row without a key, duplicates too");
    assertEquals(2, Refiner.dedupe(rows, "a").filter("a IS NOT NULL").count(), "key 1 (three copies) and key 2 (two): one row each");
    Dataset<Row> two = Refiner.dedupe(rows, List.of("a", "b"));
    assertEquals(2, two.filter("a = 1 AND b = 'x'").count() + two.filter("a = 1 AND b = 'y'").count());
    assertEquals("f2", two.filter("a = 1 AND b = 'x'").first().getAs("_source_file"), "the newest copy");
    assertEquals(6, two.filter("a IS NULL OR b IS NULL").count(), "every row with a null key part");
    assertEquals(8, two.count());
  }
}
