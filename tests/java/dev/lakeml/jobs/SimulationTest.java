package dev.lakeml.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.monitor.MonitorLedger;
import dev.lakeml.monitor.RetrainLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A short simulation on the bundled pulls: three weeks of history, then two weekly windows with labels
 * arriving three days late. The timeline matches the tables, nothing after a window's end is
 * ingested, and no label younger than the lag is used.
 */
@Tag("system")
class SimulationTest {
  @Test
  void twoWeeklyWindowsWithLateLabels() {
    Lakehouse lh = TestSpark.freshLakehouse();
    PipelineSpec flights = PipelineSpec.load(TestSpark.projectDir(), "flights");
    PipelineSpec.Model m = flights.model();
    PipelineSpec.Model fast =
        new PipelineSpec.Model(
            m.name(), m.categorical(), m.numeric(), PipelineSpec.Estimator.LOGISTIC_REGRESSION, Map.of("maxIter", "20", "regParam", "0.01"), m.trainFrom(),
            m.trainBefore(), m.evaluateFrom(), m.evaluateBefore(), m.seed(), m.classWeight(), new PipelineSpec.Tuning(null, Map.of()), m.promotion());
    // Every realized auc is below a floor of 1.0: the first window fires, the second is in the cool-down.
    PipelineSpec spec =
        flights.withModel(fast).withRetrain(new PipelineSpec.Retrain(PipelineSpec.RetrainWhen.PERFORMANCE, 0.3, 2, 1.0, 50, 10, 0.05, 5));
    JobContext ctx = new JobContext(TestSpark.settings(lh.root()), spec, lh, "simulate", Map.of(), new PrintStream(new ByteArrayOutputStream()));
    Simulation.Plan plan = new Simulation.Plan(LocalDate.parse("2001-01-22"), LocalDate.parse("2001-02-05"), d -> d.plusDays(7), "week", 3);
    List<Simulation.Line> printed = new ArrayList<>();
    List<Simulation.Line> lines = new Simulation(ctx, plan, printed::add).run();

    assertEquals(printed, lines, "each line is reported as its window ends");
    assertEquals(List.of("history", "2001-01-22..2001-01-28", "2001-01-29..2001-02-04"), lines.stream().map(Simulation.Line::window).toList());
    assertEquals("2001-02-04", lh.spark().sql("SELECT CAST(max(flight_date) AS STRING) FROM silver.flights").first().getString(0), "no day after the last window ingested");
    assertEquals(lh.spark().sql("SELECT count(*) FROM gold.flight_features WHERE event_date < '2001-01-22'").first().getLong(0), lines.get(0).rows());
    ModelVersion v1 = new ModelRegistry(lh).get("flight_delay", 1);
    assertEquals("[2001-01-14, 2001-01-19)", v1.evaluateWindow(), "the first champion only saw labels older than the lag");

    for (int i = 1; i <= 2; i++) {
      Simulation.Line l = lines.get(i);
      long inWindow =
          lh.spark().sql("SELECT count(*) FROM gold.flight_features WHERE event_date >= '" + l.start() + "' AND event_date < '" + l.end() + "'").first().getLong(0);
      assertEquals(inWindow, l.rows(), l.window());
      assertEquals(l.end().minusDays(3), l.labelsBefore());
      Row perf =
          lh.read(MonitorLedger.PERFORMANCE).filter("run_id = '" + l.runId() + "' AND scoring_run_id = '" + l.runId() + "'").selectExpr("labelled_rows", "scored_rows").first();
      long arrived =
          lh.spark().sql("SELECT count(*) FROM gold.flight_delay_predictions WHERE run_id = '" + l.runId() + "' AND event_date < '" + l.labelsBefore() + "'").first().getLong(0);
      assertEquals(arrived, perf.getLong(0), "only labels of events before the window's end minus the lag");
      assertEquals(arrived, l.labelled());
      assertTrue(arrived < l.rows() && arrived > 0, arrived + " of " + l.rows());
      assertEquals("excluded", lh.read(MonitorLedger.DRIFT).filter("run_id = '" + l.runId() + "' AND feature = 'month'").select("status").first().getString(0));
    }
    // The first window, measured again at the second window's end: all its labels have arrived by then.
    assertEquals(lines.get(1).rows(), lines.get(2).previousLabelled());
    assertNull(lines.get(1).previousAuc());

    List<Row> decisions =
        lh.read(RetrainLedger.TABLE).orderBy("seq").selectExpr("fired", "trigger", "CAST(labels_before AS STRING)", "retrained_version", "gate_action", "reasons").collectAsList();
    assertEquals(2, decisions.size(), "one decision per monitored window");
    assertTrue(decisions.get(0).getBoolean(0));
    assertEquals("2001-01-26", decisions.get(0).getString(2));
    assertEquals(2, decisions.get(0).getInt(3));
    assertTrue(lines.get(1).decision().startsWith("RETRAIN (performance) -> v2 "), lines.get(1).decision());
    assertEquals("[2001-01-21, 2001-01-26)", new ModelRegistry(lh).get("flight_delay", 2).evaluateWindow(), "retrained up to the labels arrived, not beyond");
    assertFalse(decisions.get(1).getBoolean(0));
    assertTrue(String.join("|", decisions.get(1).<String>getList(5)).contains("in cool-down until 2001-02-08"), decisions.get(1).getList(5).toString());
    assertEquals("performance rule met, in cool-down", lines.get(2).decision());
    assertEquals(3, lh.spark().sql("SELECT count(*) FROM ops.runs WHERE command LIKE 'simulate%'").first().getLong(0));

    LakemlException again = assertThrows(LakemlException.class, () -> new Simulation(ctx, plan, l -> {}).run());
    assertTrue(again.getMessage().contains("already holds bronze.flights_pulls") && again.getMessage().contains("--root"), again.getMessage());
  }
}
