package dev.lakeml.ml;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.jobs.TrainJob;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * score after gold changed: when gold's commits since the last scoring run rebuilt only some days in
 * place, only those days are scored again and the others' predictions are carried over, stamped with
 * the new run and gold version; the table then holds what scoring the whole range would give. Any
 * other change scores the whole range (as does {@code --force}, which skips the look-back).
 */
class IncrementalScoreTest {
  static final TableId PREDICTIONS = TableId.of(Layer.GOLD, "flight_delay_predictions");

  @Test
  void scoresAgainOnlyTheRebuiltDaysAndCarriesOverTheRest() {
    Lakehouse lh = TestSpark.freshLakehouse();
    PipelineSpec spec = GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin"));
    // The score range is [2001-06-01, 2001-07-02) (jobs/flights.conf).
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-02"), 6, 7), 1);
    assertEquals(StageResult.SUCCEEDED, new TrainJob().run(GoldFixture.context(lh, spec, "train-1", Map.of())).status());
    StageResult first = score(lh, spec, "score-1", Map.of());
    assertEquals(StageResult.SUCCEEDED, first.status(), first.summary());
    assertFalse(first.summary().contains("carried over"), first.summary());
    long firstVersion = lh.latestVersion(PREDICTIONS);

    // features rebuilt the last days in place (a late record dated 2001-06-25): those days are scored again.
    long scoredOn = lh.latestVersion(GoldFixture.GOLD);
    GoldFixture.rebuild(lh, "2001-06-25", "2001-07-24", 100_000);
    long gold = lh.latestVersion(GoldFixture.GOLD);
    StageResult second = score(lh, spec, "score-2", Map.of());
    assertEquals(StageResult.SUCCEEDED, second.status(), second.summary());
    assertTrue(
        second.summary().endsWith(
            "(rows dated [2001-06-25, 2001-07-02) scored again: gold.flight_features v" + scoredOn + "..v" + gold
                + " rebuilt only those of the range; the rest carried over from v" + firstVersion + ")"),
        second.summary());
    assertWholeRangeAsIfScoredAgain(lh, "score-2", gold);
    Map<String, Object> info = lh.lastCommitInfo(PREDICTIONS, "model_version").orElseThrow();
    assertEquals("[2001-06-25, 2001-07-02)", info.get(ScoreJob.RESCORED));
    assertEquals(firstVersion, ((Number) info.get(ScoreJob.CARRIED_FROM)).longValue());

    // A rebuild of days after the range: nothing to score.
    long before = lh.latestVersion(PREDICTIONS);
    GoldFixture.rebuild(lh, "2001-07-05", "2001-07-06", 200_000);
    StageResult third = score(lh, spec, "score-3", Map.of());
    assertEquals(StageResult.SKIPPED, third.status(), third.summary());
    assertTrue(third.summary().endsWith("changed no row dated in it"), third.summary());
    assertEquals(before, lh.latestVersion(PREDICTIONS), "no commit");

    // A DELETE in the range does not say which days it touched: the whole range is scored.
    lh.spark().sql("DELETE FROM delta.`" + lh.path(GoldFixture.GOLD) + "` WHERE event_date = DATE'2001-06-03'");
    StageResult fourth = score(lh, spec, "score-4", Map.of());
    assertEquals(StageResult.SUCCEEDED, fourth.status(), fourth.summary());
    assertFalse(fourth.summary().contains("carried over"), fourth.summary());
    assertWholeRangeAsIfScoredAgain(lh, "score-4", lh.latestVersion(GoldFixture.GOLD));
  }

  private static StageResult score(Lakehouse lh, PipelineSpec spec, String runId, Map<String, String> options) {
    return new ScoreJob().run(GoldFixture.context(lh, spec, runId, options));
  }

  /**
   * The predictions of the range are all of run {@code runId} on gold v{@code gold}, one per gold
   * row of the range, equal to the model's scores of that gold version's rows.
   */
  private static void assertWholeRangeAsIfScoredAgain(Lakehouse lh, String runId, long gold) {
    Dataset<Row> range = lh.read(GoldFixture.GOLD, gold).filter("event_date >= '2001-06-01' AND event_date < '2001-07-02'");
    Dataset<Row> stored = lh.read(PREDICTIONS).filter("model_version = 1");
    assertEquals(range.count(), stored.count(), "one prediction per gold row of the range");
    assertEquals(List.of(runId + "/" + gold), stored.selectExpr("concat(run_id, '/', feature_table_version)").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    ModelRegistry registry = new ModelRegistry(lh);
    ModelVersion model = registry.get("flight_delay", 1);
    Dataset<Row> expected = Scorer.score(registry.load(model), range, "id", model, GoldFixture.GOLD.toString(), gold, runId);
    Row diff =
        stored.select(col("id"), col("probability").as("p0"), col("prediction").as("y0"))
            .join(expected.select(col("id"), col("probability").as("p1"), col("prediction").as("y1")), "id")
            .agg(org.apache.spark.sql.functions.count("*"), max(abs(col("p0").minus(col("p1")))), org.apache.spark.sql.functions.sum(abs(col("y0").minus(col("y1")))))
            .first();
    assertEquals(range.count(), diff.getLong(0), "every stored prediction is of a row in the range");
    assertEquals(0.0, diff.getDouble(1), "the same probabilities as scoring the whole range");
    assertEquals(0L, diff.getLong(2));
  }
}
