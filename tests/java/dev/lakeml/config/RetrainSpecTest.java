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

/** The spec's monitor.exclude and retrain { } keys: parsed, defaulted, and every mistake named. */
class RetrainSpecTest {
  private static PipelineSpec load(String from, String to) throws Exception {
    String text = Files.readString(TestSpark.projectDir().resolve("jobs/flights.conf"));
    assertTrue(text.contains(from), "fixture text must exist: " + from);
    String changed = text.replace(from, to);
    return PipelineSpec.read(new ConfigReader(ConfigFactory.parseString(changed).resolve(), "jobs/flights.conf", ""), "jobs/flights.conf");
  }

  @Test
  void flightsSpecExcludesMonthAndRetrainsOnDriftOrPerformance() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    assertEquals(List.of("month"), spec.monitor().exclude());
    PipelineSpec.Retrain r = spec.retrain();
    assertEquals(PipelineSpec.RetrainWhen.ANY, r.when());
    assertEquals(0.3, r.shareOfFeatures());
    assertEquals(2, r.consecutiveWindows());
    assertEquals(0.55, r.aucFloor());
    assertEquals(14, r.coolDownDays());
    assertEquals(14, r.evaluateDays());
  }

  @Test
  void withoutARetrainBlockRetrainingIsOff() throws Exception {
    String text = Files.readString(TestSpark.projectDir().resolve("jobs/flights.conf"));
    String without = text.substring(0, text.indexOf("retrain {")) + text.substring(text.indexOf("}", text.indexOf("retrain {")) + 1);
    PipelineSpec spec = PipelineSpec.read(new ConfigReader(ConfigFactory.parseString(without).resolve(), "jobs/flights.conf", ""), "jobs/flights.conf");
    assertEquals(PipelineSpec.RetrainWhen.NEVER, spec.retrain().when());
  }

  @Test
  void coolDownIsWholeDays() throws Exception {
    assertEquals(3, load("cool-down = \"14 days\"", "cool-down = 3d").retrain().coolDownDays());
    LakemlException e = assertThrows(LakemlException.class, () -> load("cool-down = \"14 days\"", "cool-down = \"36 hours\""));
    assertTrue(e.getMessage().contains("'retrain.cool-down' must be a whole number of days"), e.getMessage());
    e = assertThrows(LakemlException.class, () -> load("cool-down = \"14 days\"", "cool-down = \"two weeks\""));
    assertTrue(e.getMessage().contains("'retrain.cool-down' must be a duration in days"), e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void badValuesNameTheirKey() throws Exception {
    LakemlException e = assertThrows(LakemlException.class, () -> load("exclude = [month]", "exclude = [mnth]"));
    assertTrue(e.getMessage().contains("'monitor.exclude' must list model inputs") && e.getMessage().contains("'mnth'"), e.getMessage());
    e = assertThrows(LakemlException.class, () -> load("when = any", "when = sometimes"));
    assertTrue(e.getMessage().contains("'retrain.when' must be one of never, drift, performance, any"), e.getMessage());
    e = assertThrows(LakemlException.class, () -> load("share-of-features = 0.3", "share-of-features = 1.5"));
    assertTrue(e.getMessage().contains("'retrain.share-of-features' must be between 0.0 and 1.0"), e.getMessage());
    e = assertThrows(LakemlException.class, () -> load("consecutive-windows = 2", "consecutive-windowz = 2"));
    assertTrue(e.getMessage().contains("unknown key 'retrain.consecutive-windowz'"), e.getMessage());
  }
}
