package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.jobs.MonitorJob;
import dev.lakeml.jobs.ReplayJob;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.monitor.MonitorLedger;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class ReplayAndMonitorTest {
  private static final TableId PREDICTIONS = TableId.of(Layer.GOLD, "flight_delay_predictions");

  @Test
  void replayAfterNewDataAndANewModelGivesIdenticalPredictions() {
    Lakehouse lh = TestSpark.freshLakehouse();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 5, 21), 3);
    GoldFixture.quality(lh, 3, true);
    new TrainJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "train-1", Map.of()));
    new ScoreJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "score-1", Map.of()));
    long juneRows = 30 * 5;
    assertEquals(juneRows, lh.read(PREDICTIONS).filter("run_id = 'score-1' AND model_version = 1").count(), "scored with the champion");
    // The gold version score-1 read (0 here, or 1 when the catalog's docs commit followed the write).
    long scoredFeatureVersion = lh.read(PREDICTIONS).filter("run_id = 'score-1'").select("feature_table_version").first().getLong(0);

    // Monitoring that run: every value stored; same-distribution June stays below the alarm.
    StageResult m = new MonitorJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "monitor-1", Map.of()));
    List<Row> drift = lh.read(MonitorLedger.DRIFT).filter("scoring_run_id = 'score-1'").select("feature", "metric", "value", "status").collectAsList();
    assertEquals(8 + 2 + 1, drift.size(), m.summary());
    for (Row d : drift) {
      if (d.getString(0).equals("month")) { // June lies outside the Jan-Apr training window: real drift,
        assertTrue(d.getDouble(2) >= 0.25, d.toString()); // measured above the alarm, but the spec's
        assertEquals("excluded", d.getString(3), d.toString()); // monitor.exclude keeps it from alarming
      } else {
        assertTrue(d.getDouble(2) < 0.25, d.toString());
      }
    }
    Row perf = lh.read(MonitorLedger.PERFORMANCE).filter("scoring_run_id = 'score-1'").selectExpr("labelled_rows", "auc", "calibration_error").first();
    assertEquals(juneRows, perf.getLong(0));
    assertTrue(perf.getDouble(1) > 0.75, "realized auc " + perf.getDouble(1));
    assertTrue(perf.getDouble(2) < 0.2, "calibration error " + perf.getDouble(2));

    // Gold rebuilt only on days after the run's (a new day beyond the scoring range): its labels did
    // not change, so monitor measures nothing again and commits nothing.
    GoldFixture.rebuild(lh, "2001-07-05", "2001-07-06", 900_000);
    long measuredVersion = lh.latestVersion(MonitorLedger.PERFORMANCE);
    StageResult later = new MonitorJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "monitor-2", Map.of()));
    assertEquals(StageResult.SKIPPED, later.status(), later.summary());
    assertTrue(later.summary().contains("changed no row dated 2001-06-01..2001-06-30"), later.summary());
    assertEquals(measuredVersion, lh.latestVersion(MonitorLedger.PERFORMANCE));
    // Measured with labels of June 15 on only (--labels-before): the next plain run measures again,
    // though gold changed only after June, as that measurement lacked labels.
    GoldFixture.rebuild(lh, "2001-07-07", "2001-07-08", 905_000);
    StageResult masked = new MonitorJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "monitor-3", Map.of("labels-before", "2001-06-15")));
    assertEquals(StageResult.SUCCEEDED, masked.status(), masked.summary());
    GoldFixture.rebuild(lh, "2001-07-09", "2001-07-10", 907_000);
    StageResult unmasked = new MonitorJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "monitor-4", Map.of()));
    assertEquals(StageResult.SUCCEEDED, unmasked.status(), unmasked.summary());
    // A rebuild of two of its days: measured again, against the new labels.
    GoldFixture.rebuild(lh, "2001-06-10", "2001-06-11", 910_000);
    StageResult again = new MonitorJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "monitor-5", Map.of()));
    assertEquals(StageResult.SUCCEEDED, again.status(), again.summary());
    assertEquals(List.of(14 * 5L, juneRows, juneRows - 10), // June 1-14 labelled; then all; then less the 10 rows replaced by new ids
        lh.read(MonitorLedger.PERFORMANCE).filter("scoring_run_id = 'score-1' AND run_id <> 'monitor-1'").orderBy("label_table_version")
            .select("labelled_rows").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());

    // New data (the June rows change) and a new model; June is re-scored, replacing score-1's rows.
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 5, 22), 4);
    GoldFixture.quality(lh, 4, true);
    new TrainJob().run(GoldFixture.context(lh, GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin")), "train-2", Map.of()));
    new ScoreJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "score-2", Map.of()));
    new ScoreJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "score-3", Map.of("model-version", "2")));
    assertEquals(0, lh.read(PREDICTIONS).filter("run_id = 'score-1'").count(), "score-1's rows were replaced");

    Replay.Result r = Replay.replay(lh, PREDICTIONS, "id", "score-1");
    assertEquals(juneRows, r.originalRows());
    assertEquals(juneRows, r.replayedRows());
    assertEquals(0, r.differing());
    assertEquals(0.0, r.maxAbsDiff());
    assertEquals(scoredFeatureVersion, r.featureTableVersion(), "features read at the version score-1 used");
    assertTrue(scoredFeatureVersion < lh.latestVersion(GoldFixture.GOLD), "new gold data arrived after score-1");
    assertTrue(r.identical());
    StageResult job = new ReplayJob().run(GoldFixture.context(lh, GoldFixture.fullSpec(), "replay-3", Map.of("_args", "score-3")));
    assertTrue(job.summary().contains("IDENTICAL"), job.summary());
  }
}
