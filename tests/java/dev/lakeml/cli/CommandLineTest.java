package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandLineTest {
  private static final Map<String, Set<String>> SCORE = Map.of("score", Set.of("from", "to", "model-version", "explain"));

  @Test
  void explainIsAFlagWhereverItStands() {
    // It took the next word as its value: "score --explain" failed, "--explain --from D" swallowed --from.
    assertEquals(Map.of("explain", "true"), CommandLine.parse(new String[] {"score", "--explain"}, SCORE).options());
    assertEquals(
        Map.of("explain", "true", "from", "2001-06-01"), CommandLine.parse(new String[] {"score", "--explain", "--from", "2001-06-01"}, SCORE).options());
    assertEquals("flights-xgb", CommandLine.parse(new String[] {"score", "--explain", "--pipeline", "flights-xgb"}, SCORE).options().get("pipeline"));
  }
}
