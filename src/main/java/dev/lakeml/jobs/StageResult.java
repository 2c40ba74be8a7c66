package dev.lakeml.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a stage did: the tables and versions it wrote, row counts, and a one-line summary. */
public record StageResult(
    String stage, String status, double seconds, Map<String, Long> versionsWritten, Map<String, Long> rows, String summary) {

  public static final String SUCCEEDED = "succeeded";
  public static final String SKIPPED = "up-to-date";

  public StageResult {
    versionsWritten = Map.copyOf(new LinkedHashMap<>(versionsWritten));
    rows = Map.copyOf(new LinkedHashMap<>(rows));
  }
}
