package dev.lakeml.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Trailing features see only days strictly before the row's day: no leakage from the future. */
class PointInTimeFeaturesTest {
  @Test
  void trailingRatesUseOnlyEarlierDaysInTheWindow() {
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("flight_date", DataTypes.DateType).add("origin", DataTypes.StringType).add("delay", DataTypes.IntegerType);
    Dataset<Row> silver =
        TestSpark.session()
            .createDataFrame(
                List.of(
                    RowFactory.create(1L, Date.valueOf("2001-01-01"), "SEA", 30), // late
                    RowFactory.create(2L, Date.valueOf("2001-01-01"), "SEA", 0),
                    RowFactory.create(3L, Date.valueOf("2001-01-02"), "SEA", 60), // late, same day as 4
                    RowFactory.create(4L, Date.valueOf("2001-01-02"), "SEA", 0),
                    RowFactory.create(5L, Date.valueOf("2001-01-05"), "SEA", 0),
                    RowFactory.create(6L, Date.valueOf("2001-01-05"), "JFK", 99)),
                schema);
    PipelineSpec.Features spec =
        new PipelineSpec.Features(
            "f", "f_candidates", "f_quarantine", "flight_date", "is_late", "delay > 15", Map.of("dow", "dayofweek(flight_date)"),
            List.of(
                new PipelineSpec.Trailing("rate_2d", List.of("origin"), 2, PipelineSpec.Aggregate.MEAN, null),
                new PipelineSpec.Trailing("n_7d", List.of("origin"), 7, PipelineSpec.Aggregate.COUNT, null)),
            List.of(), "");
    Map<Long, Row> byId = new java.util.HashMap<>();
    PointInTimeFeatures.build(silver, "id", spec).collectAsList().forEach(r -> byId.put(r.getLong(0), r));
    assertNull(byId.get(1L).getAs("rate_2d"), "no history before the first day");
    assertEquals(0L, (long) byId.get(1L).getAs("n_7d"));
    assertEquals(0.5, byId.get(3L).<Double>getAs("rate_2d"), 1e-9, "day 2 sees only day 1 (1 late of 2), not its own day");
    assertEquals(2L, (long) byId.get(4L).getAs("n_7d"));
    assertNull(byId.get(5L).getAs("rate_2d"), "days 1-2 are outside the 2-day window ending day 4");
    assertEquals(4L, (long) byId.get(5L).getAs("n_7d"));
    assertEquals(0L, (long) byId.get(6L).getAs("n_7d"), "other origins do not count");
    assertEquals(1, (int) byId.get(6L).getAs("is_late"));
    assertEquals(Date.valueOf("2001-01-05"), byId.get(6L).getAs("event_date"));
  }
}
