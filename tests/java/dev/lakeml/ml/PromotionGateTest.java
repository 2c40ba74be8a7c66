package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.PromoteJob;
import dev.lakeml.jobs.RollbackJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import dev.lakeml.delta.Lakehouse;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class PromotionGateTest {
  private static final List<String> NOISE = List.of("origin_flights_7d");

  @Test
  void promotesABetterChallengerRefusesAWorseOneAndRollsBack() {
    Lakehouse lh = TestSpark.freshLakehouse();
    long goldV0 = GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 6, 7), 3);
    GoldFixture.quality(lh, 3, true);
    PipelineSpec weak = GoldFixture.spec(NOISE, List.of());
    PipelineSpec full = GoldFixture.fullSpec();
    ModelAliases aliases = new ModelAliases(lh);

    new TrainJob().run(GoldFixture.context(lh, weak, "r-train-1", Map.of()));
    assertEquals(1, aliases.current("flight_delay").champion(), "the first version becomes champion without a gate");
    assertEquals(ModelAliases.FIRST_CHAMPION, aliases.current("flight_delay").action());

    new TrainJob().run(GoldFixture.context(lh, full, "r-train-2", Map.of()));
    assertEquals(2, aliases.current("flight_delay").challenger());
    assertEquals(1, aliases.current("flight_delay").champion(), "training never changes the champion");

    StageResult promoted = new PromoteJob().run(GoldFixture.context(lh, full, "r-promote-2", Map.of()));
    AliasState s = aliases.current("flight_delay");
    assertEquals(ModelAliases.PROMOTED, s.action(), promoted.summary());
    assertEquals(2, s.champion());
    assertNull(s.challenger());
    assertEquals(1, s.previousChampion());

    // A worse challenger (noise only, other params so it is a new version) is refused.
    PipelineSpec weak2 = GoldFixture.spec(List.of("origin_flights_7d", "day_of_week"), List.of());
    new TrainJob().run(GoldFixture.context(lh, weak2, "r-train-3", Map.of()));
    StageResult refused = new PromoteJob().run(GoldFixture.context(lh, full, "r-promote-3", Map.of()));
    s = aliases.current("flight_delay");
    assertEquals(ModelAliases.REFUSED, s.action(), refused.summary());
    assertEquals(2, s.champion());
    assertEquals(3, s.challenger(), "a refused challenger keeps its alias");

    // The evidence: both models on the same table version and window, values and reasons.
    Row ev =
        lh.read(ModelAliases.TABLE)
            .filter("action = 'refused'")
            .selectExpr("evidence.eval_table", "evidence.eval_table_version", "evidence.eval_window", "evidence.eval_rows", "evidence.challenger_value",
                "evidence.champion_value", "evidence.quality_passed", "evidence.passed", "size(evidence.reasons)")
            .first();
    assertEquals("gold.flight_features", ev.getString(0));
    assertEquals(goldV0, ev.getLong(1));
    assertEquals("[2001-05-01, 2001-06-01)", ev.getString(2));
    assertEquals(31 * 6, ev.getLong(3));
    assertTrue(ev.getDouble(4) < ev.getDouble(5), "the refused challenger scored below the champion");
    assertTrue(ev.getBoolean(6));
    assertFalse(ev.getBoolean(7));
    assertEquals(1, ev.getInt(8));
    Row promotedEv = lh.read(ModelAliases.TABLE).filter("action = 'promoted'").selectExpr("evidence.challenger_value - evidence.champion_value", "evidence.passed").first();
    assertTrue(promotedEv.getDouble(0) >= 0.01, "promoted by at least the margin");
    assertTrue(promotedEv.getBoolean(1));

    // Rollback restores the previous champion in one commit.
    long before = lh.latestVersion(ModelAliases.TABLE);
    new RollbackJob().run(GoldFixture.context(lh, full, "r-rollback", Map.of()));
    s = aliases.current("flight_delay");
    assertEquals(1, s.champion());
    assertEquals(2, s.previousChampion());
    assertEquals(before + 1, lh.latestVersion(ModelAliases.TABLE));
    assertEquals(1, PromotionGate.serving(lh, "flight_delay").version(), "scoring follows the champion");
  }

  @Test
  void refusesABetterChallengerWhoseTrainingDataFailedQuality() {
    Lakehouse lh = TestSpark.freshLakehouse();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 4, 11), 3);
    GoldFixture.quality(lh, 3, true);
    new TrainJob().run(GoldFixture.context(lh, GoldFixture.spec(NOISE, List.of()), "r1", Map.of()));
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 4, 12), 4);
    GoldFixture.quality(lh, 4, false);
    new TrainJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "r2", Map.of()));
    PromotionGate.Decision d = new PromotionGate(lh).promote("flight_delay", null, "is_late", new PipelineSpec.Promotion("auc", 0.01), "r3");
    assertEquals(ModelAliases.REFUSED, d.state().action());
    assertEquals(1, d.state().champion());
    assertFalse(d.evidence().qualityPassed());
    assertTrue(d.evidence().challengerValue() > d.evidence().championValue() + 0.01, "better, yet refused");
    assertTrue(d.evidence().qualityFailures().get(0).contains("unique(id)"), d.evidence().qualityFailures().toString());
  }

  @Test
  void gateRuleNeedsMarginAndQuality() {
    TrainingDataQuality.Verdict ok = new TrainingDataQuality.Verdict(true, List.of("gold.t v1: 3 check results"), List.of());
    TrainingDataQuality.Verdict bad = new TrainingDataQuality.Verdict(false, List.of(), List.of("gold.t: unique(id): dup"));
    assertTrue(GateEvidence.judge("auc", 0.01, "gold.t", 1, "[a, b)", 10, 0.80, 0.78, ok).passed());
    assertFalse(GateEvidence.judge("auc", 0.01, "gold.t", 1, "[a, b)", 10, 0.785, 0.78, ok).passed());
    assertFalse(GateEvidence.judge("auc", 0.01, "gold.t", 1, "[a, b)", 10, 0.90, 0.78, bad).passed());
    assertFalse(GateEvidence.judge("auc", 0.01, "gold.t", 1, "[a, b)", 0, Double.NaN, null, ok).passed());
    assertTrue(GateEvidence.judge("auc", 0.01, "gold.t", 1, "[a, b)", 10, 0.6, null, ok).passed(), "no champion: quality alone decides");
  }

  @Test
  void rollbackWithoutAPreviousChampionSaysWhatToDo() {
    Lakehouse lh = TestSpark.freshLakehouse();
    LakemlException e = assertThrows(LakemlException.class, () -> new ModelAliases(lh).rollback("flight_delay", null, "r"));
    assertTrue(e.getMessage().startsWith("Cannot roll back model flight_delay"), e.getMessage());
    assertTrue(e.getMessage().contains("--model-version"), e.getMessage());
  }

  @Test
  void tunerCandidatesAreTheGridProduct() {
    List<Map<String, String>> c = Tuner.candidates(new java.util.LinkedHashMap<>(Map.of("maxDepth", List.of("3", "5"))));
    assertEquals(List.of(Map.of("maxDepth", "3"), Map.of("maxDepth", "5")), c);
    java.util.LinkedHashMap<String, List<String>> grid = new java.util.LinkedHashMap<>();
    grid.put("a", List.of("1", "2"));
    grid.put("b", List.of("x", "y", "z"));
    assertEquals(6, Tuner.candidates(grid).size());
  }
}
