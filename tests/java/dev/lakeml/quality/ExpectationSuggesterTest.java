package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Deequ's suggestion code to spec lines. No Spark. */
class ExpectationSuggesterTest {
  @Test
  void translatesDeequSuggestionsIntoSpecLines() {
    assertEquals("{ rule = not_null, column = id, action = quarantine }   # 'id' is not null", ExpectationSuggester.translate(".isComplete(\"id\")", "'id' is not null"));
    assertEquals("{ rule = unique, column = id, action = fail }   # u", ExpectationSuggester.translate(".isUnique(\"id\")", "u"));
    assertEquals("{ rule = range, column = delay, min = 0, action = quarantine }   # n", ExpectationSuggester.translate(".isNonNegative(\"delay\")", "n"));
    assertEquals(
        "{ rule = completeness, column = x, min = 0.94, action = warn }   # c",
        ExpectationSuggester.translate(".hasCompleteness(\"x\", _ >= 0.94, Some(\"It should be above 0.94!\"))", "c"));
    assertEquals(
        "{ rule = allowed_values, column = is_late, values = [\"0\", \"1\"], action = quarantine }   # a",
        ExpectationSuggester.translate(".isContainedIn(\"is_late\", Array(\"0\", \"1\"))", "a"));
    assertEquals(
        "{ rule = allowed_values, column = o, values = [\"ORD\", \"JFK\"], action = warn }   # f",
        ExpectationSuggester.translate(".isContainedIn(\"o\", Array(\"ORD\", \"JFK\"), _ >= 0.9, Some(\"It should be above 0.9!\"))", "f"));
    assertEquals("# not translated: .hasDataType(\"x\", ConstrainableDataTypes.Integral)   # t", ExpectationSuggester.translate(".hasDataType(\"x\", ConstrainableDataTypes.Integral)", "t"));
  }
}
