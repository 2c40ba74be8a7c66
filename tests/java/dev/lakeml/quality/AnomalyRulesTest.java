package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.config.CheckSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** History rules as pure arithmetic over a baseline. No Spark. */
class AnomalyRulesTest {
  static CheckSpec rule(CheckSpec.Rule r, String column, Double min, Double max) {
    return new CheckSpec(
        r.name().toLowerCase(), r, CheckSpec.Action.FAIL, column == null ? List.of() : List.of(column), min, max, List.of(), null, null, null, null, null, 5);
  }

  @Test
  void rowCountChangeAgainstMeanOfBaseline() {
    CheckSpec r = rule(CheckSpec.Rule.ROW_COUNT_CHANGE, null, -0.5, 1.0);
    CheckOutcome drop = AnomalyRules.evaluate(r, 100, List.of(1000.0, 1000.0));
    assertFalse(drop.passed());
    assertTrue(drop.blocking());
    assertEquals(-0.9, drop.metric(), 1e-9);
    assertTrue(drop.message().contains("change -90.0%"), drop.message());
    assertTrue(AnomalyRules.evaluate(r, 600, List.of(1000.0)).passed());
    assertFalse(AnomalyRules.evaluate(r, 2100, List.of(1000.0)).passed());
    assertTrue(AnomalyRules.evaluate(r, 5, List.of()).passed(), "no baseline yet: nothing to compare");
  }

  @Test
  void nullRateJumpIsAnAbsoluteRise() {
    CheckSpec r = rule(CheckSpec.Rule.NULL_RATE_JUMP, "x", null, 0.05);
    assertEquals("null_rate(x)", AnomalyRules.metricName(r));
    assertTrue(AnomalyRules.evaluate(r, 0.06, List.of(0.02)).passed());
    CheckOutcome jump = AnomalyRules.evaluate(r, 0.30, List.of(0.02, 0.04));
    assertFalse(jump.passed());
    assertEquals(0.27, jump.metric(), 1e-9);
  }
}
