package dev.lakeml.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration is parsed once, validated, and every mistake names the key and the file. */
class PipelineSpecTest {

  @Test
  void flightsSpecLoads() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    assertEquals("flights", spec.name());
    assertEquals("flights_pulls", spec.bronzeTable());
    assertEquals("id", spec.silver().key());
    assertEquals(2, spec.dimensions().size());
    assertEquals(PipelineSpec.Estimator.GBT, spec.model().estimator());
    assertEquals("20", spec.model().params().get("maxIter"));
    assertTrue(spec.model().trainBefore().isBefore(spec.model().evaluateBefore()));
  }

  private static LakemlException loadBroken(String from, String to) throws Exception {
    String text = Files.readString(TestSpark.projectDir().resolve("jobs/flights.conf"));
    assertTrue(text.contains(from), "fixture text must exist: " + from);
    String broken = text.replace(from, to);
    return assertThrows(
        LakemlException.class,
        () -> PipelineSpec.read(new ConfigReader(ConfigFactory.parseString(broken).resolve(), "jobs/flights.conf", ""), "jobs/flights.conf"));
  }

  @Test
  void unknownKeyIsRejectedWithFileLineAndAllowedKeys() throws Exception {
    LakemlException e = loadBroken("  estimator = gbt", "  estimater = gbt");
    assertTrue(e.getMessage().contains("jobs/flights.conf"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key 'model.estimater'"), e.getMessage());
    assertTrue(e.getMessage().matches("(?s).*\\(line \\d+\\).*"), e.getMessage());
    assertTrue(e.getMessage().contains("estimator"), "lists the allowed keys: " + e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void badEnumValueNamesKeyAndAllowedValues() throws Exception {
    LakemlException e = loadBroken("estimator = gbt", "estimator = xgb_turbo");
    assertTrue(e.getMessage().contains("'model.estimator' must be one of gbt, logistic_regression, random_forest"), e.getMessage());
  }

  @Test
  void splitMustBeTimeOrdered() throws Exception {
    LakemlException e = loadBroken("evaluate-from = \"2001-05-01\"", "evaluate-from = \"2001-03-01\"");
    assertTrue(e.getMessage().contains("model.split"), e.getMessage());
    assertTrue(e.getMessage().contains("no future data in training"), e.getMessage());
  }

  @Test
  void badDateAndBadIdentifierAreExplained() throws Exception {
    assertTrue(loadBroken("from = \"2001-06-01\"", "from = \"June\"").getMessage().contains("'score.from' must be a date yyyy-MM-dd, got 'June'"));
    assertTrue(
        loadBroken("table = flight_features", "table = \"flight features; DROP\"").getMessage().contains("'gold.table' must be a SQL identifier"));
  }

  @Test
  void wrongTypeAndRangeAreExplained() throws Exception {
    assertTrue(loadBroken("days = 28", "days = 0").getMessage().contains("must be between 1 and 366, got 0"));
    assertTrue(loadBroken("days = 28", "days = many").getMessage().contains("must be a whole number"));

  }

  @Test
  void missingPipelineNamesWhereItLooked() {
    LakemlException e = assertThrows(LakemlException.class, () -> PipelineSpec.load(TestSpark.projectDir(), "nope"));
    assertTrue(e.getMessage().contains("jobs/nope.conf"), e.getMessage());
  }

  @Test
  void settingsPrecedenceCommandLineOverEnvFileOverBase(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/base.conf"), "root = base-root\nspark { \"spark.a\" = base, \"spark.b\" = base }\n");
    Files.writeString(dir.resolve("conf/dev.conf"), "spark { \"spark.b\" = env }\n");
    Settings s = Settings.load(dir, "dev", null, Map.of());
    assertEquals(dir.resolve("base-root").toString(), s.root());
    assertEquals("base", s.spark().get("spark.a"));
    assertEquals("env", s.spark().get("spark.b"));
    Settings cli = Settings.load(dir, "dev", "s3a://bucket/lake/", Map.of("spark.b", "cli"));
    assertEquals("s3a://bucket/lake", cli.root());
    assertEquals("cli", cli.spark().get("spark.b"));
  }

  @Test
  void settingsRejectUnknownKeysAndMaskSecrets(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/dev.conf"), "catalog { typ = hive }\n");
    LakemlException e = assertThrows(LakemlException.class, () -> Settings.load(dir, "dev", null, Map.of()));
    assertTrue(e.getMessage().contains("unknown key 'catalog.typ'") && e.getMessage().contains("conf/dev.conf"), e.getMessage());
    Files.writeString(dir.resolve("conf/dev.conf"), "spark { \"spark.hadoop.fs.s3a.secret.key\" = hunter2 }\n");
    Settings s = Settings.load(dir, "dev", null, Map.of());
    assertEquals("****", s.describe().get("spark.hadoop.fs.s3a.secret.key"));
    assertTrue(!s.describe().toString().contains("hunter2"));
    Files.writeString(dir.resolve("conf/dev.conf"), "catalog { type = hive }\n");
    assertTrue(assertThrows(LakemlException.class, () -> Settings.load(dir, "dev", null, Map.of())).getMessage().contains("catalog.metastore-uri"));
    assertTrue(assertThrows(LakemlException.class, () -> Settings.load(dir, "nope", null, Map.of())).getMessage().contains("conf/nope.conf"));
  }
}
