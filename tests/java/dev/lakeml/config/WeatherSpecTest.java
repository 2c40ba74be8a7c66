package dev.lakeml.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The weather spec's new keys (pivot, lag features, task = regression) parse, and misuse names the key. */
class WeatherSpecTest {
  static String text() throws Exception {
    return Files.readString(TestSpark.projectDir().resolve("jobs/weather.conf"));
  }

  static PipelineSpec parse(String text) {
    return PipelineSpec.read(new ConfigReader(ConfigFactory.parseString(text).resolve(), "jobs/weather.conf", ""), "jobs/weather.conf");
  }

  static String broken(String from, String to) throws Exception {
    String t = text();
    assertTrue(t.contains(from), "fixture text must exist: " + from);
    LakemlException e = assertThrows(LakemlException.class, () -> parse(t.replace(from, to)));
    return e.getMessage();
  }

  @Test
  void weatherSpecLoadsWithPivotLagsAndRegression() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "weather");
    assertEquals(List.of("station", "date"), spec.silver().pivot().keys());
    assertEquals(List.of("PRCP", "TMAX", "TMIN", "AWND", "WT01", "WT14", "WT16", "WT18"), spec.silver().pivot().values());
    assertEquals(PipelineSpec.Task.REGRESSION, spec.model().task());
    assertEquals("rmse", spec.model().promotion().metric());
    assertEquals("double", spec.gold().labelType(), "a regression label defaults to double");
    List<String> names = spec.gold().trailing().stream().map(PipelineSpec.Trailing::name).toList();
    assertTrue(names.containsAll(List.of("temp_max_lag_1", "temp_max_lag_2", "temp_max_lag_3", "temp_max_lag_7")), names.toString());
    PipelineSpec.Trailing lag7 = spec.gold().trailing().stream().filter(t -> t.name().equals("temp_max_lag_7")).findFirst().orElseThrow();
    assertEquals(7, lag7.days());
    assertEquals(PipelineSpec.Aggregate.LAG, lag7.aggregate());
    // flights keeps its defaults
    PipelineSpec flights = PipelineSpec.load(TestSpark.projectDir(), "flights");
    assertEquals(PipelineSpec.Task.CLASSIFICATION, flights.model().task());
    assertEquals("int", flights.gold().labelType());
    assertEquals(null, flights.silver().pivot());
  }

  @Test
  void misusesNameTheKey() throws Exception {
    assertTrue(broken("metric = rmse", "metric = auc").contains("key 'model.promotion.metric' must be rmse or mae or r2 for task = regression"), "metric");
    assertTrue(broken("estimator = linear_regression", "estimator = logistic_regression").contains("model.estimator"), "estimator");
    assertTrue(broken("lags = [1, 2, 3, 7]", "lags = [0]").contains("gold.trailing[0].lags"), "lags");
    assertTrue(broken("aggregate = lag, of = temp_min_c, lags = [1]", "aggregate = mean, of = temp_min_c, lags = [1]").contains("aggregate = lag"), "lags need lag");
    assertTrue(broken("    values = [PRCP, TMAX, TMIN, AWND, WT01, WT14, WT16, WT18]\n", "").contains("silver.pivot.values"), "values");
    assertTrue(broken("task = regression", "task = forecast").contains("key 'model.task' must be one of classification, regression"), "task");
  }
}
