package dev.lakeml.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.udf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lakeml.TestSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** bronze's {@code record_id}: the same answer as Spark's {@code get_json_object(payload, '$.id')}, input by input. */
class TopLevelFieldTest {
  static final String[] PAYLOADS = {
    "{\"id\":2498000,\"date\":\"2001-06-30T21:55:00\",\"delay\":-3}",
    "{\"date\":\"2001-06-30\",\"id\":\"a-7\"}",
    "{\"id\":-0}",
    "{\"id\":12345678901234567890123}",
    "{\"id\":1.50}",
    "{\"id\":1e3}",
    "{\"id\":true}",
    "{\"id\":null}",
    "{\"id\":{\"a\":1, \"b\":[1,2]}}",
    "{\"id\":[1, \"x\"]}",
    "{\"id\":\"quote \\\" and \\u00e9 and \\n\"}",
    "{\"nested\":{\"id\":9},\"id\":3}",
    "{\"nested\":{\"id\":9}}",
    "{\"id\":1,\"id\":2}",
    "{'id':'single'}",
    "{\"id\":\"tab\there\"}",
    "{\"id\":4,\"rest\":[1,2",
    "{\"id\":5} trailing",
    "{\"ID\":6}",
    "{}",
    "[{\"id\":7}]",
    "\"id\"",
    "42",
    "null",
    "",
    "   ",
    "<html>502</html>",
    "{\"id\":8,\"deep\":{\"x\":[{\"y\":{\"z\":[[]]}}]}}",
    null
  };

  @Test
  void answersAsGetJsonObjectDoesForEveryKindOfPayload() {
    List<String> inputs = new ArrayList<>(Arrays.asList(PAYLOADS));
    List<Row> rows =
        TestSpark.session()
            .createDataset(inputs, Encoders.STRING())
            .select(
                col("value"),
                expr("get_json_object(value, '$.id')").as("spark"),
                udf(new TopLevelField("id"), DataTypes.StringType).apply(col("value")).as("ours"))
            .collectAsList();
    assertEquals(PAYLOADS.length, rows.size());
    for (Row r : rows) {
      assertEquals(r.getString(1), r.getString(2), "payload " + r.getString(0));
    }
    // The flights' ids, and what the comparison rests on: some inputs have an id, some not.
    assertEquals("2498000", new TopLevelField("id").call(PAYLOADS[0]));
    assertEquals("a-7", new TopLevelField("id").call(PAYLOADS[1]));
    assertEquals(null, new TopLevelField("id").call("{\"nested\":{\"id\":9}}"));
  }
}
