package dev.lakeml.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.cli.Lakeml;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Vacuum;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.jobs.TrainJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code lakeml vacuum}: refused below the time-travel horizon; refused when it would delete files
 * of a version a registered model was trained on or a scoring run read (checked ten days on, when
 * the replaced files have aged past the retention); otherwise run, with those versions still readable.
 */
class VacuumGuardTest {
  @Test
  void vacuumNeverCutsBelowTheHorizonOrARecordedVersion() {
    Lakehouse lh = TestSpark.freshLakehouse();
    root = lh.root();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 3, 5), 3);
    GoldFixture.quality(lh, 3, true);
    new TrainJob().run(GoldFixture.context(lh, GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin")), "train-1", Map.of()));
    new ScoreJob().run(GoldFixture.context(lh, GoldFixture.spec(List.of("distance", "dep_hour"), List.of("origin")), "score-1", Map.of()));
    long trained = lh.latestVersion(GoldFixture.GOLD);
    long trainedRows = lh.read(GoldFixture.GOLD).count();
    GoldFixture.write(lh, GoldFixture.rows(1, LocalDate.parse("2001-01-08"), LocalDate.parse("2001-07-01"), 4, 6), 4); // new gold: v0's files replaced

    String[] shortRetention = launch(2, "vacuum", "--retain-hours", "24");
    assertTrue(
        shortRetention[1].contains("Cannot vacuum with a retention of 24 hours: the time-travel horizon is 168 hours (maintenance.time-travel-horizon-hours in conf/)"),
        shortRetention[1]);
    String[] badValue = launch(2, "vacuum", "--retain-hours", "a week");
    assertTrue(badValue[1].contains("Option --retain-hours takes a number of hours, got 'a week'."), badValue[1]);

    List<Vacuum.Pin> pins = RecordedVersions.of(lh, GoldFixture.fullSpec());
    assertTrue(pins.contains(new Vacuum.Pin(GoldFixture.GOLD, trained, "model flight_delay v1 (training snapshot)")), pins.toString());
    assertTrue(pins.contains(new Vacuum.Pin(GoldFixture.GOLD, trained, "scoring run score-1 (its features)")), pins.toString());
    // Ten days on, a 7-day retention would delete the files of the gold version model v1 and score-1 read.
    String later = Vacuum.refusal(lh, 168, 168, pins, Instant.now().plus(Duration.ofDays(10)));
    assertTrue(
        later != null && later.startsWith("Cannot vacuum with a retention of 168 hours: it would delete files of versions still needed: gold.flight_features v" + trained
            + " (needed by model flight_delay v1 (training snapshot); its files were replaced 240."),
        later);
    assertTrue(later.contains("Use --retain-hours 241 or more to keep them."), later);
    assertNull(Vacuum.refusal(lh, 168, 168, pins, Instant.now()), "today nothing pinned is at risk");

    String[] dry = launch(0, "vacuum", "--dry-run");
    assertTrue(dry[0].contains("vacuum dry run:") && dry[0].contains("pinned version(s) kept readable"), dry[0]);
    String[] done = launch(0, "vacuum");
    assertTrue(done[0].matches("(?s).*vacuum done: \\d+ table\\(s\\), 0 file\\(s\\) deleted with a retention of 168 hours \\(horizon 168\\); 3 pinned.*"), done[0]);
    assertEquals(trainedRows, lh.read(GoldFixture.GOLD, trained).count(), "the training snapshot still reads");
  }

  private static String[] launch(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] argv = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--root", rootOf(), "--env", "test")).toArray(String[]::new);
    int code = Lakeml.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String[] texts = {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    assertEquals(expectedCode, code, String.join(" ", args) + ":\n" + texts[0] + texts[1]);
    return texts;
  }

  private static String root;

  private static String rootOf() {
    return root;
  }
}
