package dev.lakeml.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import java.sql.Date;
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
 * Lags and rolling aggregates per station (the weather pipeline's gold): only strictly earlier days,
 * a missing day is a null lag (never the previous row), and a numeric label stays numeric.
 */
class LagAndRollingFeaturesTest {
  static final StructType SCHEMA =
      new StructType().add("id", DataTypes.StringType).add("station", DataTypes.StringType).add("obs_date", DataTypes.DateType).add("tmax", DataTypes.DoubleType);

  static Row day(String station, String date, Double tmax) {
    return RowFactory.create(station + "|" + date, station, Date.valueOf(date), tmax);
  }

  static PipelineSpec.Features spec() {
    return new PipelineSpec.Features(
        "wf", "wf_candidates", "wf_quarantine", "obs_date", "target", "tmax", Map.of(),
        List.of(
            new PipelineSpec.Trailing("lag_1", List.of("station"), 1, PipelineSpec.Aggregate.LAG, "tmax"),
            new PipelineSpec.Trailing("lag_2", List.of("station"), 2, PipelineSpec.Aggregate.LAG, "tmax"),
            new PipelineSpec.Trailing("mean_3d", List.of("station"), 3, PipelineSpec.Aggregate.MEAN, "tmax"),
            new PipelineSpec.Trailing("sum_3d", List.of("station"), 3, PipelineSpec.Aggregate.SUM, "tmax"),
            new PipelineSpec.Trailing("max_3d", List.of("station"), 3, PipelineSpec.Aggregate.MAX, "tmax"),
            new PipelineSpec.Trailing("min_3d", List.of("station"), 3, PipelineSpec.Aggregate.MIN, "tmax")),
        List.of(), "", false, "double");
  }

  static Map<String, Row> build(List<Row> days) {
    Dataset<Row> silver = TestSpark.session().createDataFrame(days, SCHEMA);
    Map<String, Row> out = new HashMap<>();
    for (Row r : PointInTimeFeatures.build(silver, "id", spec()).collectAsList()) {
      out.put(r.getAs("id"), r);
    }
    return out;
  }

  @Test
  void lagsAndRollingWindowsUseOnlyEarlierDaysOfTheSameStation() {
    List<Row> days =
        List.of(
            day("SEA", "2012-01-01", 10.0),
            day("SEA", "2012-01-02", 12.0),
            day("SEA", "2012-01-03", 8.0),
            // 2012-01-04 missing
            day("SEA", "2012-01-05", 20.0),
            day("NYC", "2012-01-04", 100.0)); // another station never leaks into SEA
    Map<String, Row> f = build(days);

    Row d3 = f.get("SEA|2012-01-03");
    assertEquals(8.0, d3.<Double>getAs("target"), 0.0, "the label is the day's own value, as a double");
    assertEquals(12.0, d3.<Double>getAs("lag_1"), 0.0);
    assertEquals(10.0, d3.<Double>getAs("lag_2"), 0.0);
    assertEquals(11.0, d3.<Double>getAs("mean_3d"), 1e-9, "days 1 and 2 only, not the day itself");
    assertEquals(22.0, d3.<Double>getAs("sum_3d"), 1e-9);
    assertEquals(12.0, d3.<Double>getAs("max_3d"), 0.0);
    assertEquals(10.0, d3.<Double>getAs("min_3d"), 0.0);

    Row d5 = f.get("SEA|2012-01-05");
    assertNull(d5.getAs("lag_1"), "the 4th is missing: lag 1 is null, not the 3rd's value");
    assertEquals(8.0, d5.<Double>getAs("lag_2"), 0.0);
    assertEquals(10.0, d5.<Double>getAs("mean_3d"), 1e-9, "days 2..4: 12 and 8");
    assertEquals(12.0, d5.<Double>getAs("max_3d"), 0.0);

    Row first = f.get("SEA|2012-01-01");
    assertNull(first.getAs("lag_1"));
    assertNull(first.getAs("mean_3d"));
    assertNull(first.getAs("sum_3d"), "no earlier day: null, not 0");
    assertNull(f.get("NYC|2012-01-04").getAs("lag_1"), "NYC has no history of its own");
  }

  @Test
  void aRowsFeaturesDoNotChangeWhenItsOwnDayOrTheFutureChanges() {
    List<Row> before = List.of(day("SEA", "2012-01-01", 10.0), day("SEA", "2012-01-02", 12.0), day("SEA", "2012-01-03", 8.0));
    List<Row> after = List.of(day("SEA", "2012-01-01", 10.0), day("SEA", "2012-01-02", -40.0), day("SEA", "2012-01-03", 55.0));
    Row a = build(before).get("SEA|2012-01-02");
    Row b = build(after).get("SEA|2012-01-02");
    for (String c : List.of("lag_1", "lag_2", "mean_3d", "sum_3d", "max_3d", "min_3d")) {
      assertEquals((Object) a.getAs(c), b.getAs(c), c);
    }
    assertEquals(-40.0, b.<Double>getAs("target"), 0.0);
  }
}
