package dev.lakeml.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.BronzeRecords;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Silver's pivot step on CDO-style long records, with the weather spec as shipped: one row per
 * station-day, units normalised, re-pulls collapsed, and every bad record's reason kept.
 */
class LongRecordsPivotTest {
  static final String SEA = "GHCND:USW00024233";

  static String rec(String station, String date, String type, String value) {
    return "{\"date\":\"" + date + "T00:00:00\",\"datatype\":\"" + type + "\",\"station\":" + (station == null ? "null" : "\"" + station + "\"")
        + ",\"attributes\":\",,W,\",\"value\":" + value + "}";
  }

  static String page(String... records) {
    return "{\"metadata\":{\"resultset\":{\"offset\":1,\"count\":" + records.length + ",\"limit\":200}},\"results\":[" + String.join(",", records) + "]}";
  }

  /** Landing pages (body, file, modification time) through bronze's record explosion. */
  static Dataset<Row> bronze(Object[]... pages) {
    StructType schema =
        new StructType().add("body", DataTypes.StringType).add("source_file", DataTypes.StringType).add("file_modified_at", DataTypes.TimestampType);
    List<Row> rows = new ArrayList<>();
    for (Object[] p : pages) {
      rows.add(RowFactory.create(p[0], p[1], Timestamp.valueOf((String) p[2])));
    }
    return BronzeRecords.fromPages(TestSpark.session().createDataFrame(rows, schema), "noaa_cdo", "results", "id");
  }

  @Test
  void pivotsLongRecordsToStationDaysWithUnitsAndEveryReason() {
    PipelineSpec.Refined spec = PipelineSpec.load(TestSpark.projectDir(), "weather").silver();
    Dataset<Row> b =
        bronze(
            new Object[] {
              page(
                  rec(SEA, "2012-01-01", "AWND", "47"), rec(SEA, "2012-01-01", "PRCP", "0"), rec(SEA, "2012-01-01", "TMAX", "128"),
                  rec(SEA, "2012-01-01", "TMIN", "50"), rec(SEA, "2012-01-01", "WT14", "1"),
                  rec(SEA, "2012-01-01", "SNWD", "999"), // a data type not listed: ignored
                  rec(SEA, "2012-01-02", "PRCP", "109"), rec(SEA, "2012-01-02", "TMAX", "999"), rec(SEA, "2012-01-02", "TMIN", "28"),
                  // day 3: a TMAX that is not a number
                  rec(SEA, "2012-01-03", "PRCP", "8"), rec(SEA, "2012-01-03", "TMAX", "\"warm\""), rec(SEA, "2012-01-03", "TMIN", "72"),
                  // day 4: minimum above maximum
                  rec(SEA, "2012-01-04", "PRCP", "0"), rec(SEA, "2012-01-04", "TMAX", "50"), rec(SEA, "2012-01-04", "TMIN", "60"),
                  // a record without a station cannot be placed in any row
                  rec(null, "2012-01-04", "TMAX", "10")),
              "month-01/page-0001.json",
              "2012-02-01 00:00:00"
            },
            // a later re-pull corrects day 2's TMAX (99.9 °C -> 10.6 °C)
            new Object[] {page(rec(SEA, "2012-01-02", "TMAX", "106")), "month-01/page-0002.json", "2012-02-02 00:00:00"});

    Refiner.Output out = Refiner.refine(Refiner.prepare(Refiner.parseBronze(b, spec.recordSchema()), spec), spec, Map.of());
    Map<String, Row> valid = new HashMap<>();
    for (Row r : out.valid().collectAsList()) {
      valid.put(r.getAs("id"), r);
    }
    assertEquals(2, valid.size(), valid.keySet().toString());
    Row d1 = valid.get(SEA + "|2012-01-01T00:00:00");
    assertEquals(12.8, d1.<Double>getAs("temp_max_c"), 1e-9, "tenths of °C -> °C");
    assertEquals(5.0, d1.<Double>getAs("temp_min_c"), 1e-9);
    assertEquals(4.7, d1.<Double>getAs("wind_ms"), 1e-9, "tenths of m/s -> m/s");
    assertEquals(0.0, d1.<Double>getAs("precipitation_mm"), 1e-9);
    assertEquals("drizzle", d1.getAs("weather"), "WT14 is drizzle");
    assertEquals("2012-01-01", d1.getAs("obs_date").toString());
    Row d2 = valid.get(SEA + "|2012-01-02T00:00:00");
    assertEquals(10.6, d2.<Double>getAs("temp_max_c"), 1e-9, "the newest pull of (station, day, TMAX) wins");
    assertEquals(10.9, d2.<Double>getAs("precipitation_mm"), 1e-9);
    assertNull(d2.getAs("wind_ms"), "no AWND that day: null, not required");
    assertEquals("sun", d2.getAs("weather"), "no weather-type record: sun");

    Map<String, List<String>> reasons = new HashMap<>();
    for (Row r : out.quarantine().collectAsList()) {
      reasons.put(String.valueOf(r.<String>getAs("record_key")), r.getList(r.fieldIndex("reasons")));
    }
    assertEquals(3, reasons.size(), reasons.toString());
    List<String> day3 = reasons.get(SEA + "|2012-01-03T00:00:00");
    assertTrue(day3.stream().anyMatch(s -> s.equals("TMAX value: expected double, got warm")), day3.toString());
    assertTrue(day3.contains("temp_max_c: missing or invalid"), day3.toString());
    List<String> day4 = reasons.get(SEA + "|2012-01-04T00:00:00");
    assertTrue(day4.stream().anyMatch(s -> s.contains("temp_min_c at most temp_max_c")), day4.toString());
    List<String> unplaced = reasons.get("null");
    assertTrue(unplaced.contains("station: missing"), unplaced.toString());
    assertTrue(unplaced.contains("id: missing"), unplaced.toString());
    // the quarantined station-day keeps the long records it was built from, for inspection
    String payload = out.quarantine().filter("record_key = '" + SEA + "|2012-01-03T00:00:00'").first().getAs("payload");
    assertTrue(payload.startsWith("[") && payload.contains("\"warm\"") && payload.contains("\"TMIN\""), payload);
  }
}
