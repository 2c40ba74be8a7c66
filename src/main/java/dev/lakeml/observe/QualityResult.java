package dev.lakeml.observe;

/**
 * The outcome of one data quality check on one table version.
 *
 * @param table table checked, e.g. {@code silver.flights}
 * @param tableVersion the Delta version checked
 * @param check the check's name, e.g. {@code dep_delay_not_null}
 * @param level what a failure means: {@link Level#ERROR} blocks the commit, {@link Level#WARN} does
 *     not
 * @param status whether the check passed
 * @param metricValue the measured value (e.g. a completeness ratio), or {@code null} if the check
 *     has none
 * @param message what the check found, for people; empty when there is nothing to add
 */
public record QualityResult(
    String table,
    long tableVersion,
    String check,
    Level level,
    Status status,
    Double metricValue,
    String message) {

  /** What a failing check means for the run. */
  public enum Level {
    WARN,
    ERROR
  }

  /** Whether a check passed. */
  public enum Status {
    PASS,
    FAIL
  }

  public QualityResult {
    Checks.notBlank(table, "quality result table");
    Checks.notNegative(tableVersion, "quality result version of table " + table);
    Checks.notBlank(check, "quality check name on table " + table);
    Checks.notNull(level, "level of check " + check);
    Checks.notNull(status, "status of check " + check);
    message = message == null ? "" : message;
  }

  /** True for a failed check. */
  public boolean failed() {
    return status == Status.FAIL;
  }
}
