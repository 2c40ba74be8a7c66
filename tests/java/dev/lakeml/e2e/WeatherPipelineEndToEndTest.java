package dev.lakeml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.cli.Lakeml;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The weather pipeline (jobs/weather.conf) through the launcher, in-process on the shared session:
 * CDO long records -> bronze as pulled -> silver pivoted per station-day -> lagged/rolling gold ->
 * a regression model -> 2015 forecasts -> drift and realized RMSE. Then a rerun changes nothing,
 * the gate refuses a challenger that is not better (lower RMSE), and replay reproduces the forecasts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("system")
class WeatherPipelineEndToEndTest {
  static final String SEA = "GHCND:USW00024233";

  Lakehouse lakehouse;
  SparkSession spark;
  String firstRun;

  @BeforeAll
  void runPipeline() {
    lakehouse = TestSpark.freshLakehouse();
    spark = lakehouse.spark();
    firstRun = launch("run");
  }

  String launch(String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--pipeline", "weather", "--root", lakehouse.root(), "--env", "test"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Lakeml.run(argv.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, "lakeml " + String.join(" ", args) + " failed:\n" + text + err.toString(StandardCharsets.UTF_8));
    return text;
  }

  long count(String sql) {
    return spark.sql(sql).first().getLong(0);
  }

  @Test
  @Order(1)
  void bronzeKeepsTheLongRecordsAndSilverHasOneRowPerStationDay() {
    assertEquals(13_144, count("SELECT count(*) FROM bronze.weather_pulls"), "96 pages of long records, as pulled");
    assertEquals(0, count("SELECT count(*) FROM bronze.weather_pulls WHERE corrupt_reason IS NOT NULL"));
    assertTrue(spark.sql("SELECT payload FROM bronze.weather_pulls LIMIT 1").first().getString(0).contains("\"datatype\""), "bronze is not interpreted");
    assertEquals(2 * 1461, count("SELECT count(*) FROM silver.weather_daily"), "2 stations x 1,461 days (2012-2015)");
    assertEquals(0, count("SELECT count(*) FROM silver.weather_daily_quarantine"));
    assertEquals(2 * 1461, count("SELECT count(DISTINCT station, obs_date) FROM silver.weather_daily"));
    // weather.csv's first row: Seattle,2012-01-01,0.0,12.8,5.0,4.7,drizzle
    Row r =
        spark.sql("SELECT precipitation_mm, temp_max_c, temp_min_c, wind_ms, weather FROM silver.weather_daily WHERE station = '" + SEA + "' AND obs_date = '2012-01-01'")
            .first();
    assertEquals(0.0, r.getDouble(0), 1e-9);
    assertEquals(12.8, r.getDouble(1), 1e-9);
    assertEquals(5.0, r.getDouble(2), 1e-9);
    assertEquals(4.7, r.getDouble(3), 1e-9);
    assertEquals("drizzle", r.getString(4));
    // the label synthesised back from weather-type flags matches the source's counts
    assertEquals(1087, count("SELECT count(*) FROM silver.weather_daily WHERE weather = 'rain'"));
    assertEquals(1466, count("SELECT count(*) FROM silver.weather_daily WHERE weather = 'sun'"));
  }

  @Test
  @Order(2)
  void goldLagsAreThePreviousDaysOfTheSameStation() {
    assertEquals(2 * 1461, count("SELECT count(*) FROM gold.weather_features"));
    // lag k of a row dated D is silver's value at D-k, same station; the label is D's own maximum
    assertEquals(0, count(
        "SELECT count(*) FROM gold.weather_features g JOIN silver.weather_daily s ON s.station = g.station AND s.obs_date = date_sub(g.event_date, 1)"
            + " WHERE NOT (g.temp_max_lag_1 <=> s.temp_max_c) OR NOT (g.precip_lag_1 <=> s.precipitation_mm)"));
    assertEquals(0, count(
        "SELECT count(*) FROM gold.weather_features g JOIN silver.weather_daily s ON s.station = g.station AND s.obs_date = date_sub(g.event_date, 7)"
            + " WHERE NOT (g.temp_max_lag_7 <=> s.temp_max_c)"));
    assertEquals(0, count("SELECT count(*) FROM gold.weather_features WHERE next_day_temp_max_c <> temp_max_c"));
    // the 7-day mean is over the 7 days before, never the day itself
    Row m = spark.sql(
        "SELECT g.temp_max_mean_7d, (SELECT avg(s.temp_max_c) FROM silver.weather_daily s WHERE s.station = g.station"
            + " AND s.obs_date >= date_sub(g.event_date, 7) AND s.obs_date < g.event_date) FROM gold.weather_features g"
            + " WHERE g.station = '" + SEA + "' AND g.event_date = '2013-07-04'").first();
    assertEquals(m.getDouble(1), m.getDouble(0), 1e-9);
    assertEquals(2, count("SELECT count(*) FROM gold.weather_features WHERE temp_max_lag_1 IS NULL"), "only each station's first day");
  }

  @Test
  @Order(3)
  void theRegressionModelBeatsPersistenceAndItsForecastsAreMonitored() {
    Row m = spark.sql("SELECT version, estimator, metrics['rmse'], metrics['mae'], metrics['r2'], metrics['eval_rows'] FROM ops.model_registry").first();
    assertEquals(1, m.getInt(0));
    assertEquals("linear_regression", m.getString(1));
    double rmse = m.getDouble(2);
    // "tomorrow = today" on the same 2014 evaluation rows
    double persistence =
        spark.sql("SELECT sqrt(avg(pow(temp_max_lag_1 - next_day_temp_max_c, 2))) FROM gold.weather_features WHERE event_date >= '2014-01-01' AND event_date < '2015-01-01'")
            .first()
            .getDouble(0);
    assertTrue(rmse < persistence, "model RMSE " + rmse + " vs persistence " + persistence);
    assertTrue(m.getDouble(3) <= rmse && m.getDouble(4) > 0.8, "mae " + m.getDouble(3) + ", r2 " + m.getDouble(4));
    assertEquals(730.0, m.getDouble(5), 0.0);

    assertEquals(730, count("SELECT count(*) FROM gold.next_day_temp_max_predictions WHERE prediction IS NOT NULL AND event_date >= '2015-01-01'"));
    assertEquals(730, count("SELECT count(DISTINCT id) FROM gold.next_day_temp_max_predictions"));
    Row drift = spark.sql("SELECT count(*), count_if(kind = 'prediction'), count_if(feature = 'station' AND metric = 'js') FROM ops.feature_drift").first();
    assertEquals(16, drift.getLong(0), "14 numeric inputs + station + the prediction");
    assertEquals(1, drift.getLong(1));
    assertEquals(1, drift.getLong(2));
    Row perf = spark.sql("SELECT labelled_rows, rmse, mae, r2, auc FROM ops.model_performance").first();
    assertEquals(730, perf.getLong(0), "2015's labels are known");
    assertTrue(perf.getDouble(1) > 0 && perf.getDouble(1) < 2 * persistence, "realized rmse " + perf.getDouble(1));
    assertTrue(perf.getDouble(2) <= perf.getDouble(1));
    assertTrue(perf.isNullAt(4), "no AUC for a regressor");
    assertTrue(firstRun.contains("realized rmse"), firstRun);
    assertTrue(firstRun.contains("Champion model next_day_temp_max v1 (linear_regression)") && firstRun.contains("RMSE"), firstRun);
  }

  @Test
  @Order(4)
  void runningAgainChangesNothing() {
    long silverVersion = lakehouse.latestVersion(TableId.parse("silver.weather_daily"));
    long goldVersion = lakehouse.latestVersion(TableId.parse("gold.weather_features"));
    String second = launch("run");
    assertTrue(second.contains("[ingest  ] up-to-date") && second.contains("[refine  ] up-to-date") && second.contains("[train   ] up-to-date"), second);
    assertEquals(13_144, count("SELECT count(*) FROM bronze.weather_pulls"));
    assertEquals(silverVersion, lakehouse.latestVersion(TableId.parse("silver.weather_daily")));
    assertEquals(goldVersion, lakehouse.latestVersion(TableId.parse("gold.weather_features")));
    assertEquals(1, count("SELECT count(*) FROM ops.model_registry"));
    assertEquals(730, count("SELECT count(*) FROM gold.next_day_temp_max_predictions"));
  }

  @Test
  @Order(5)
  void theGateRefusesAChallengerThatDoesNotLowerRmseAndReplayIsIdentical() {
    launch("train", "--force"); // the same model again: v2, challenger, equal RMSE
    String promote = launch("promote");
    Row a = spark.sql("SELECT action, champion, evidence.metric, evidence.challenger_value, evidence.champion_value FROM ops.model_aliases ORDER BY seq DESC LIMIT 1").first();
    assertEquals("refused", a.getString(0), promote);
    assertEquals(1, a.getInt(1), "v1 stays champion");
    assertEquals("rmse", a.getString(2));
    assertEquals(a.getDouble(4), a.getDouble(3), 1e-9, "same data, same seed: same RMSE, not 0.02 lower");
    String scoringRun = spark.sql("SELECT max(run_id) FROM gold.next_day_temp_max_predictions").first().getString(0);
    String replay = launch("replay", scoringRun);
    assertTrue(replay.contains("IDENTICAL"), replay);
  }
}
