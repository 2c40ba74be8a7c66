package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model, promotion and monitor sections of the pipeline spec: defaults, and errors naming key and file. */
class ModelSpecTest {
  private static String flights() throws IOException {
    return Files.readString(TestSpark.projectDir().resolve("jobs/flights.conf"));
  }

  private static PipelineSpec load(String text) throws IOException {
    Path dir = dev.lakeml.TestSpark.tempDir("spec-");
    Files.createDirectories(dir.resolve("jobs"));
    Files.writeString(dir.resolve("jobs/t.conf"), text);
    return PipelineSpec.load(dir, "t");
  }

  @Test
  void flightsSpecReadsTheNewSections() throws IOException {
    PipelineSpec s = load(flights());
    assertEquals(0.10, s.monitor().psiWarn());
    assertEquals(0.25, s.monitor().psiAlarm());
    assertEquals("auc", s.model().promotion().metric());
    assertEquals(PipelineSpec.ClassWeight.NONE, s.model().classWeight());
    assertTrue(!s.model().tuning().enabled());
    assertTrue(!s.score().explain());
    assertTrue(load(flights().replace("explain = false", "explain = true")).score().explain());
  }

  @Test
  void tuningGridIsParsed() throws IOException {
    PipelineSpec s = load(flights() + "\nmodel.tuning { tune-from = \"2001-04-01\", grid { maxDepth = \"3, 5\", stepSize = \"0.1\" } }\nmodel.class-weight = balanced\n");
    assertEquals(List.of("3", "5"), s.model().tuning().grid().get("maxDepth"));
    assertEquals(PipelineSpec.ClassWeight.BALANCED, s.model().classWeight());
  }

  @Test
  void badKeysAndValuesNameTheKeyAndTheFile() {
    LakemlException unknown = assertThrows(LakemlException.class, () -> load(flights() + "\nmonitor.psi-alarmm = 0.3\n"));
    assertTrue(unknown.getMessage().contains("jobs/t.conf") && unknown.getMessage().contains("monitor.psi-alarmm"), unknown.getMessage());
    LakemlException order = assertThrows(LakemlException.class, () -> load(flights() + "\nmonitor.psi-alarm = 0.05\n"));
    assertTrue(order.getMessage().contains("'monitor'"), order.getMessage());
    LakemlException metric = assertThrows(LakemlException.class, () -> load(flights() + "\nmodel.promotion.metric = accuracy\n"));
    assertTrue(metric.getMessage().contains("model.promotion.metric") && metric.getMessage().contains("accuracy"), metric.getMessage());
    LakemlException tune = assertThrows(LakemlException.class, () -> load(flights() + "\nmodel.tuning { tune-from = \"2001-06-01\", grid { maxDepth = \"3\" } }\n"));
    assertTrue(tune.getMessage().contains("model.tuning.tune-from"), tune.getMessage());
    LakemlException regression = assertThrows(LakemlException.class, () -> load(flights() + "\nmodel.estimator = xgboost\nmodel.task = regression\n"));
    assertTrue(regression.getMessage().contains("model.estimator") && regression.getMessage().contains("xgboost"), regression.getMessage());
    LakemlException weight = assertThrows(LakemlException.class, () -> load(flights() + "\nmodel.class-weight = heavy\n"));
    assertTrue(weight.getMessage().contains("model.class-weight"), weight.getMessage());
  }
}
