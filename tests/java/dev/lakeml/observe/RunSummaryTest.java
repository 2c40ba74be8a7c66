package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

  @Test
  void builderKeepsOrderAndCopies() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("log_loss", 0.4);
    metrics.put("auc", 0.8);
    metrics.put("pr_auc", 0.5);
    List<TableVersion> tables = new ArrayList<>(List.of(new TableVersion("silver.flights", 3, 10)));
    StageResult stage =
        new StageResult(
            "refine",
            SampleRuns.START,
            Duration.ofSeconds(2),
            StageResult.Status.SUCCEEDED,
            10,
            10,
            tables);
    tables.clear();

    RunSummary run =
        RunSummary.builder("r1", "flights", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START.plusSeconds(90))
            .addStage(stage)
            .model("m-1", metrics)
            .build();
    metrics.put("extra", 1.0);

    assertEquals(List.of("log_loss", "auc", "pr_auc"), List.copyOf(run.modelMetrics().keySet()));
    assertEquals(1, run.stages().get(0).tablesWritten().size());
    assertEquals(Duration.ofSeconds(90), run.duration());
    assertEquals(SampleRuns.START.plusSeconds(2), stage.endedAt());
    assertThrows(UnsupportedOperationException.class, () -> run.stages().add(stage));
    assertThrows(UnsupportedOperationException.class, () -> run.modelMetrics().put("x", 1.0));
  }

  @Test
  void failedRunKeepsItsErrorSummary() {
    RunSummary run =
        RunSummary.builder("r2", "flights", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START)
            .failed("Cannot read table silver.flights at version 12")
            .build();

    assertEquals(RunSummary.Status.FAILED, run.status());
    assertEquals("Cannot read table silver.flights at version 12", run.errorSummary());
  }

  @Test
  void rejectsARunThatEndsBeforeItStarts() {
    RunSummary.Builder builder =
        RunSummary.builder("r3", "flights", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START.minusSeconds(1));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertEquals(
        "Cannot create run summary: run r3 ended at 2025-03-14T05:59:59Z, before it started at"
            + " 2025-03-14T06:00:00Z",
        e.getMessage());
  }

  @Test
  void rejectsMissingPartsNamingThem() {
    IllegalArgumentException noStart =
        assertThrows(
            IllegalArgumentException.class,
            () -> RunSummary.builder("r4", "flights", "run").build());
    assertEquals(
        "Cannot create run summary: start time of run r4 is missing", noStart.getMessage());

    Map<String, Double> withNull = new LinkedHashMap<>();
    withNull.put("auc", null);
    IllegalArgumentException nullMetric =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RunSummary.builder("r5", "flights", "run")
                    .startedAt(SampleRuns.START)
                    .endedAt(SampleRuns.START)
                    .model("m", withNull)
                    .build());
    assertEquals(
        "Cannot create run summary: value of model metric auc is missing", nullMetric.getMessage());

    IllegalArgumentException negativeRows =
        assertThrows(
            IllegalArgumentException.class, () -> new TableVersion("silver.flights", 1, -5));
    assertEquals(
        "Cannot create run summary: rows of table silver.flights is negative: -5",
        negativeRows.getMessage());
  }
}
