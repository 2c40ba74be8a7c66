package dev.lakeml.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The expectations keys of the pipeline spec: parsed, normalised, and wrong ones named. No Spark. */
class ExpectationSpecTest {
  private static final String FLIGHTS = read(TestSpark.projectDir().resolve("jobs/flights.conf"));

  @Test
  void flightsSpecParsesWithEveryKindOfRule() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    List<CheckSpec> silver = spec.silver().expectations();
    CheckSpec change = silver.stream().filter(c -> c.rule() == CheckSpec.Rule.ROW_COUNT_CHANGE).findFirst().orElseThrow();
    assertEquals(-0.5, change.min());
    assertEquals(null, change.max());
    assertEquals(5, change.baselineVersions());
    assertEquals(CheckSpec.Action.FAIL, change.action());
    CheckSpec fk = spec.gold().expectations().stream().filter(c -> c.rule() == CheckSpec.Rule.FOREIGN_KEY).findFirst().orElseThrow();
    assertEquals("airports", fk.dimension());
    assertEquals("iata", fk.dimensionKey());
    assertEquals("foreign_key(origin)", fk.name());
    assertEquals("flight_features_candidates", spec.gold().candidatesTable());
    assertEquals("flight_features_quarantine", spec.gold().quarantineTable());
  }

  @Test
  void quarantineIsOnlyForRowRules() {
    LakemlException e =
        load(FLIGHTS.replace("{ rule = unique, column = id, action = fail }", "{ rule = unique, column = id, action = quarantine }"));
    assertTrue(e.getMessage().contains("jobs/t.conf") && e.getMessage().contains("silver.expectations[5].action"), e.getMessage());
    assertTrue(e.getMessage().contains("only row rules can quarantine"), e.getMessage());
  }

  @Test
  void unknownKeysAndBadValuesNameKeyAndFile() {
    LakemlException typo =
        load(FLIGHTS.replace("{ rule = unique, column = id, action = fail }", "{ rule = unique, column = id, action = fail, levle = x }"));
    assertTrue(typo.getMessage().contains("unknown key 'silver.expectations[5].levle'"), typo.getMessage());
    LakemlException action =
        load(FLIGHTS.replace("{ rule = unique, column = id, action = fail }", "{ rule = unique, column = id, action = drop }"));
    assertTrue(action.getMessage().contains("must be one of warn, quarantine, fail, got 'drop'"), action.getMessage());
    LakemlException regex = load(FLIGHTS.replace("pattern = \"^[A-Z0-9]{3}$\"", "pattern = \"[A-Z\""));
    assertTrue(regex.getMessage().contains("silver.expectations[0].pattern' is not a valid regular expression"), regex.getMessage());
    LakemlException fk = load(FLIGHTS.replace("dimension = airports, key = iata, ", ""));
    assertTrue(fk.getMessage().contains("gold.expectations[2].dimension' is required"), fk.getMessage());
  }

  @Test
  void oldChecksKeyExplainsTheMigration() {
    LakemlException e = load(FLIGHTS.replace("  expectations = [\n    { rule = pattern", "  checks = [\n    { rule = pattern"));
    assertTrue(e.getMessage().contains("key 'silver.checks' was replaced by 'expectations'"), e.getMessage());
  }

  private static LakemlException load(String text) {
    try {
      Path dir = dev.lakeml.TestSpark.tempDir("spec-");
      Files.createDirectories(dir.resolve("jobs"));
      Files.writeString(dir.resolve("jobs/t.conf"), text);
      return assertThrows(LakemlException.class, () -> PipelineSpec.load(dir, "t"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
