package dev.lakeml.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import org.apache.spark.sql.api.java.UDF1;

/**
 * {@code get_json_object(json, '$.<field>')} for one top-level field, as a Spark UDF: the same
 * answer for every input ({@code TopLevelFieldTest} compares the two), without the JSON generator
 * Spark's function creates for every row. For a number or a string, by far the commonest ids, the
 * value is read off the parser; anything else is copied through a generator, as Spark does.
 *
 * <p>At 3M records Spark's function took ~8.7 s of CPU in ingest's write (BENCHMARKS.md).
 */
final class TopLevelField implements UDF1<String, String> {
  // The features Spark's get_json_object parses with (its SharedFactory), for the same answers.
  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
          .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
          .build();

  private final String field;

  TopLevelField(String field) {
    this.field = field;
  }

  @Override
  public String call(String json) {
    if (json == null) {
      return null;
    }
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String found = null;
      boolean matched = false;
      // Like Spark: the first field of that name wins, and the rest of the object must parse.
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t == null) {
          return null;
        }
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!matched && field.equals(name)) {
          matched = true;
          found = value(p, value);
        } else {
          p.skipChildren();
        }
      }
      return found;
    } catch (IOException e) {
      return null; // not JSON: Spark's function answers null too
    }
  }

  private static String value(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return Long.toString(p.getLongValue());
    }
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return out.toString();
  }
}
