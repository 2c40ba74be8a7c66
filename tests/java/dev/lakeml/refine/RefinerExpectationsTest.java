package dev.lakeml.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lakeml.TestSpark;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Bronze to silver with expectations, as pure Dataset steps: a quarantined row carries the parse
 * error, the failed lookup and every broken expectation together; no row is lost or doubled.
 */
class RefinerExpectationsTest {
  static final StructType BRONZE =
      new StructType()
          .add("payload", DataTypes.StringType)
          .add("corrupt_reason", DataTypes.StringType)
          .add("source_file", DataTypes.StringType)
          .add("page_sha256", DataTypes.StringType)
          .add("record_index", DataTypes.IntegerType)
          .add("file_modified_at", DataTypes.TimestampType);

  final SparkSession spark = TestSpark.session();

  @Test
  void quarantinedRowsCarryEveryReasonAndInputEqualsTablePlusQuarantine() {
    String[] payloads = {
      "{\"id\":1,\"origin\":\"ORD\",\"distance\":700}",
      "{\"id\":2,\"origin\":\"ord\",\"distance\":\"far\"}", // type error + pattern + lookup
      "{\"id\":3,\"origin\":\"ORD\",\"distance\":9000}", // range (quarantine)
      "{\"id\":4,\"origin\":\"JFK\",\"distance\":-5}", // range (quarantine) + warn rule
      "{\"id\":1,\"origin\":\"ORD\",\"distance\":700}" // re-pulled duplicate of 1
    };
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < payloads.length; i++) {
      rows.add(RowFactory.create(payloads[i], null, "page-" + i + ".json", "sha" + i, i, new Timestamp(1000L * i)));
    }
    Map<String, String> columns = new LinkedHashMap<>();
    columns.put("origin", "origin");
    columns.put("distance", "distance");
    columns.put("origin_tz", "origin_tz");
    PipelineSpec.Refined spec =
        new PipelineSpec.Refined(
            "flights",
            "flights_quarantine",
            null,
            "id BIGINT, origin STRING, distance INT",
            "id",
            List.of(new PipelineSpec.Lookup("airports", "origin", "iata", List.of("tz"), "origin_", true)),
            columns,
            List.of(),
            List.of(
                new CheckSpec("origin_code", CheckSpec.Rule.PATTERN, CheckSpec.Action.QUARANTINE, List.of("origin"), null, null, List.of(), "^[A-Z]{3}$", null, null, null, null, 5),
                new CheckSpec("distance_range", CheckSpec.Rule.RANGE, CheckSpec.Action.QUARANTINE, List.of("distance"), 1.0, 6000.0, List.of(), null, null, null, null, null, 5),
                new CheckSpec("not_negative", CheckSpec.Rule.SQL, CheckSpec.Action.WARN, List.of(), null, null, List.of(), null, "distance >= 0", null, null, null, 5)),
            "");
    Dataset<Row> airports = spark.sql("SELECT 'ORD' AS iata, 'America/Chicago' AS tz UNION ALL SELECT 'JFK', 'America/New_York'");
    Dataset<Row> deduped = Refiner.dedupe(Refiner.parseBronze(spark.createDataFrame(rows, BRONZE), spec.recordSchema()), "id");
    Refiner.Output out = Refiner.refine(deduped, spec, Map.of("airports", airports));

    assertEquals(4, deduped.count());
    assertEquals(List.of(1L), out.valid().select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    Map<String, List<String>> reasons = new LinkedHashMap<>();
    Map<String, List<String>> broken = new LinkedHashMap<>();
    for (Row r : out.quarantine().collectAsList()) {
      reasons.put(r.getAs("record_key"), r.getList(r.fieldIndex("reasons")));
      broken.put(r.getAs("record_key"), r.getList(r.fieldIndex("rules_broken")));
    }
    assertEquals(3, reasons.size(), "input (4 after de-duplication) = 1 valid + 3 quarantined");
    assertEquals(
        List.of("distance: expected int, got far", "origin: 'ord' not found in airports", "origin_code: 'ord' does not match ^[A-Z]{3}$"),
        reasons.get("2"));
    assertEquals(List.of("distance_range: 9000 outside [1, 6000]"), reasons.get("3"));
    assertEquals(List.of("distance_range: -5 outside [1, 6000]"), reasons.get("4"));
    assertEquals(List.of("distance_range", "not_negative"), broken.get("4"), "warn rules are listed, they do not quarantine");
    assertEquals("page-3.json", out.quarantine().filter("record_key = '4'").first().getAs("source_file"));
  }
}
