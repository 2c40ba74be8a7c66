package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Wrong command lines stop before any Spark starts: exit code 2, what was wrong, and the usage. */
class BadArgumentsTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "frobnicate                              | Unknown command 'frobnicate'. Commands: help, ingest",
        "ingest --bogus                          | Unknown option --bogus for 'ingest'",
        "vacuum --model-version 3                | Unknown option --model-version for 'vacuum'",
        "score --from                            | Option --from needs a value.",
        "run --conf spark.sql.shuffle.partitions | Option --conf takes key=value, got 'spark.sql.shuffle.partitions'.",
        "run --set =1                            | Option --set takes key=value, got '=1'.",
      })
  void printsWhatWasWrongAndTheUsage(String argv, String expected) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Lakeml.run(argv.trim().split("\\s+"), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, text);
    assertTrue(text.startsWith("lakeml: " + expected), text);
    assertTrue(text.contains("usage: lakeml <command> [options]") && text.contains("  vacuum "), "prints the usage, vacuum listed:\n" + text);
    assertFalse(text.contains("\tat "), "no stack trace:\n" + text);
  }
}
