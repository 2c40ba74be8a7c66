package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * train after gold changed: a gold version whose in-place rebuilds all lie outside the model's
 * training and evaluation windows reuses the registered model; a rebuild that reaches into a window,
 * or a change that does not say which days it touched, trains a new version.
 */
class UnchangedWindowTest {
  @Test
  void goldChangedOnlyOutsideTheWindowsReusesTheModelAndAnythingElseRetrains() {
    Lakehouse lh = TestSpark.freshLakehouse();
    PipelineSpec spec = GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin"));
    // windows: train [2001-01-08, 2001-05-01), evaluate [2001-05-01, 2001-06-01)
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-06-01"), 12, 7), 1);
    // Version numbers are read back: with the catalog's docs active, each write is followed by a docs commit.
    long trainedOn = lh.latestVersion(GoldFixture.GOLD);
    StageResult first = new TrainJob().run(GoldFixture.context(lh, spec, "train-1", Map.of()));
    assertEquals(StageResult.SUCCEEDED, first.status(), first.summary());
    ModelRegistry registry = new ModelRegistry(lh);
    assertEquals(1, registry.versions("flight_delay").size());

    // features rebuilt days after the windows in place (new days arrive): the model still holds.
    GoldFixture.rebuild(lh, "2001-06-30", "2001-07-29", 100_000);
    long outside = lh.latestVersion(GoldFixture.GOLD);
    StageResult reused = new TrainJob().run(GoldFixture.context(lh, spec, "train-2", Map.of()));
    assertEquals(StageResult.SKIPPED, reused.status(), reused.summary());
    assertTrue(
        reused.summary().startsWith("flight_delay v1 up to date: trained on gold.flight_features v" + trainedOn + "; v" + outside
            + " changed only rows dated 2001-06-30..2001-07-29, outside its windows [2001-01-08, 2001-06-01)"),
        reused.summary());
    assertEquals(1, registry.versions("flight_delay").size());

    // A rebuild that reaches the last days of the evaluation window: a new fit.
    GoldFixture.rebuild(lh, "2001-05-25", "2001-06-23", 200_000);
    StageResult retrained = new TrainJob().run(GoldFixture.context(lh, spec, "train-3", Map.of()));
    assertEquals(StageResult.SUCCEEDED, retrained.status(), retrained.summary());
    assertTrue(retrained.summary().startsWith("flight_delay v2 (logistic_regression) on gold.flight_features v" + lh.latestVersion(GoldFixture.GOLD)), retrained.summary());

    // A DELETE outside the windows, but it does not say which days it touched: a new fit too.
    lh.spark().sql("DELETE FROM delta.`" + lh.path(GoldFixture.GOLD) + "` WHERE event_date = DATE'2001-07-01'");
    StageResult afterDelete = new TrainJob().run(GoldFixture.context(lh, spec, "train-4", Map.of()));
    assertEquals(StageResult.SUCCEEDED, afterDelete.status(), afterDelete.summary());
    assertEquals(3, registry.versions("flight_delay").size());
  }
}
