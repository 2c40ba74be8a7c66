package dev.lakeml.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.config.PipelineSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The retrain rule without Spark: windows of evidence in, decisions (and why) out. */
class RetrainRuleTest {
  private static final PipelineSpec.Retrain RULE = new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.ANY, 0.3, 2, 0.55, 100, 14, 0.05, 14);
  /** distance and dep_hour matter; origin_flights_7d and month barely. */
  private static final Map<String, Double> SHARES = Map.of("distance", 0.45, "dep_hour", 0.40, "origin", 0.12, "origin_flights_7d", 0.02, "month", 0.01);

  private static Map<String, String> status(String... alarming) {
    Map<String, String> s = new LinkedHashMap<>();
    SHARES.keySet().forEach(f -> s.put(f, "ok"));
    for (String a : alarming) {
      s.put(a, "alarm");
    }
    return s;
  }

  private static RetrainRule.Evidence window(String asOf, Map<String, String> status, Double auc) {
    return new RetrainRule.Evidence(LocalDate.parse(asOf), status, new LinkedHashMap<>(SHARES), auc, 1000);
  }

  /** Runs windows through the rule as the ledger would remember them. */
  private static List<RetrainRule.Decision> run(PipelineSpec.Retrain rule, RetrainRule.Evidence... windows) {
    List<RetrainRule.Past> past = new ArrayList<>();
    List<RetrainRule.Decision> out = new ArrayList<>();
    for (RetrainRule.Evidence w : windows) {
      RetrainRule.Decision d = RetrainRule.decide(rule, w, past);
      out.add(d);
      past.add(new RetrainRule.Past(w.asOf(), d.driftAlarm(), d.fired()));
    }
    return out;
  }

  @Test
  void firesAfterTwoConsecutiveAlarmingWindows() {
    List<RetrainRule.Decision> d =
        run(RULE, window("2001-03-01", status("distance"), 0.7), window("2001-04-01", status("distance", "dep_hour"), 0.7));
    assertFalse(d.get(0).fired(), d.get(0).reasons().toString());
    assertTrue(d.get(0).driftAlarm());
    assertEquals(1, d.get(0).consecutiveDriftWindows());
    assertTrue(d.get(1).fired());
    assertEquals("drift", d.get(1).trigger());
    assertEquals(2, d.get(1).consecutiveDriftWindows());
    assertEquals(List.of("distance", "dep_hour", "origin"), sorted(d.get(1).important()));
    assertEquals(2.0 / 3, d.get(1).driftShare(), 1e-12);
    assertTrue(d.get(1).reasons().get(0).startsWith("drift: 2 of 3 important inputs alarm (67%, threshold 30%)"), d.get(1).reasons().get(0));
  }

  @Test
  void aQuietWindowBreaksTheStreak() {
    List<RetrainRule.Decision> d =
        run(RULE, window("2001-03-01", status("distance"), 0.7), window("2001-04-01", status(), 0.7), window("2001-05-01", status("distance"), 0.7));
    assertEquals(List.of(false, false, false), d.stream().map(RetrainRule.Decision::fired).toList());
    assertEquals(1, d.get(2).consecutiveDriftWindows());
  }

  @Test
  void doesNotFireOnANonImportantOrExcludedFeature() {
    Map<String, String> s = status("origin_flights_7d");
    s.put("month", FeatureDrift.EXCLUDED);
    List<RetrainRule.Decision> d = run(RULE, window("2001-03-01", s, 0.7), window("2001-04-01", s, 0.7), window("2001-05-01", s, 0.7));
    for (RetrainRule.Decision x : d) {
      assertFalse(x.fired());
      assertFalse(x.driftAlarm());
      assertEquals(List.of(), x.alarming());
      assertFalse(x.important().contains("origin_flights_7d"), "2% importance is below min-importance");
      assertFalse(x.important().contains("month"), "excluded by monitor.exclude");
    }
    // One of three important inputs alarming is 33%: above 0.3; below a 0.5 threshold it is not an alarm.
    PipelineSpec.Retrain half = new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.DRIFT, 0.5, 2, 0.55, 100, 14, 0.05, 14);
    List<RetrainRule.Decision> h = run(half, window("2001-03-01", status("origin"), 0.7), window("2001-04-01", status("origin"), 0.7));
    assertFalse(h.get(1).fired());
    assertFalse(h.get(1).driftAlarm());
  }

  @Test
  void doesNotFireWithinTheCoolDownInDataTime() {
    List<RetrainRule.Decision> d =
        run(
            RULE,
            window("2001-03-01", status(), 0.50), // auc below the floor: fires at once
            window("2001-03-08", status(), 0.50), // 7 days later: cooling down
            window("2001-03-14", status(), 0.50), // 13 days later: still
            window("2001-03-15", status(), 0.50)); // 14 days: may fire again
    assertTrue(d.get(0).fired());
    assertEquals("performance", d.get(0).trigger());
    assertNull(d.get(0).coolDownUntil());
    for (int i = 1; i <= 2; i++) {
      assertFalse(d.get(i).fired());
      assertEquals("performance", d.get(i).trigger(), "the evidence met the rule");
      assertEquals(LocalDate.parse("2001-03-15"), d.get(i).coolDownUntil());
      assertTrue(d.get(i).reasons().get(d.get(i).reasons().size() - 1).startsWith("in cool-down until 2001-03-15"), d.get(i).reasons().toString());
    }
    assertTrue(d.get(3).fired());
  }

  @Test
  void performanceNeedsEnoughLabelsAndTheRightWhen() {
    RetrainRule.Evidence fewLabels = new RetrainRule.Evidence(LocalDate.parse("2001-03-01"), status(), SHARES, 0.40, 99);
    RetrainRule.Decision d = RetrainRule.decide(RULE, fewLabels, List.of());
    assertFalse(d.fired());
    assertTrue(d.reasons().get(1).contains("fewer than retrain.min-labelled-rows = 100"), d.reasons().toString());
    PipelineSpec.Retrain driftOnly = new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.DRIFT, 0.3, 2, 0.55, 100, 14, 0.05, 14);
    assertFalse(RetrainRule.decide(driftOnly, window("2001-03-01", status(), 0.40), List.of()).fired());
    PipelineSpec.Retrain never = PipelineSpec.Retrain.off();
    List<RetrainRule.Decision> n = run(never, window("2001-03-01", status("distance", "dep_hour"), 0.3), window("2001-04-01", status("distance", "dep_hour"), 0.3));
    assertFalse(n.get(1).fired());
    assertEquals("retraining is off (retrain.when = never)", n.get(1).reasons().get(0));
    assertNull(RetrainRule.decide(RULE, window("2001-03-01", status(), null), List.of()).trigger());
  }

  @Test
  void importancesOfVectorSlotsAreSummedPerInput() {
    Map<String, Double> slots = new LinkedHashMap<>();
    slots.put("origin_oh_ATL", 0.2);
    slots.put("origin_oh_ORD", -0.2); // linear models: |coefficient|
    slots.put("origin_late_rate_7d_imp", 0.4);
    slots.put("distance_imp", 0.2);
    Map<String, Double> s = ImportantInputs.shares(slots, List.of("origin", "origin_late_rate_7d", "distance", "month"));
    assertEquals(0.4, s.get("origin"), 1e-12, "one-hot slots, not origin_late_rate_7d");
    assertEquals(0.4, s.get("origin_late_rate_7d"), 1e-12);
    assertEquals(0.2, s.get("distance"), 1e-12);
    assertEquals(0.0, s.get("month"), 1e-12);
    Map<String, Double> none = ImportantInputs.shares(Map.of(), List.of("a", "b"));
    assertEquals(0.5, none.get("a"), 1e-12, "no importances recorded: every input counts");
    assertEquals(1.0, ImportantInputs.shares(Map.of("origin_idx", 3.0), List.of("origin")).get("origin"), 1e-12);
  }

  private static List<String> sorted(List<String> l) {
    List<String> c = new ArrayList<>(l);
    c.sort(java.util.Comparator.comparing(x -> List.of("distance", "dep_hour", "origin").indexOf(x)));
    return c;
  }
}
