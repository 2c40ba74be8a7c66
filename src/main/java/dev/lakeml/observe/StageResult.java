package dev.lakeml.observe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One stage of a run (ingest, refine, features, train, score, monitor, ...).
 *
 * @param name stage name, unique within a run
 * @param startedAt when the stage started
 * @param duration how long it ran
 * @param status how it ended
 * @param rowsIn rows read by the stage (0 when it reads no table, e.g. ingest from HTTP)
 * @param rowsOut rows written by the stage
 * @param tablesWritten the table versions the stage committed, in commit order
 */
public record StageResult(
    String name,
    Instant startedAt,
    Duration duration,
    Status status,
    long rowsIn,
    long rowsOut,
    List<TableVersion> tablesWritten) {

  /** How a stage ended. */
  public enum Status {
    SUCCEEDED,
    FAILED,
    /** Not run, e.g. because an earlier stage failed or there was nothing new to process. */
    SKIPPED
  }

  public StageResult {
    Checks.notBlank(name, "stage name");
    Checks.notNull(startedAt, "start time of stage " + name);
    Checks.notNull(duration, "duration of stage " + name);
    if (duration.isNegative()) {
      throw new IllegalArgumentException(
          "Cannot create run summary: duration of stage " + name + " is negative: " + duration);
    }
    Checks.notNull(status, "status of stage " + name);
    Checks.notNegative(rowsIn, "rows in of stage " + name);
    Checks.notNegative(rowsOut, "rows out of stage " + name);
    tablesWritten = List.copyOf(Checks.notNull(tablesWritten, "tables written by stage " + name));
  }

  /** When the stage ended: {@code startedAt + duration}. */
  public Instant endedAt() {
    return startedAt.plus(duration);
  }
}
