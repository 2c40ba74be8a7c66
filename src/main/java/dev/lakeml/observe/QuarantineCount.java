package dev.lakeml.observe;

/**
 * How many rows of a run went to a quarantine table for one rule (or one other reason: a parse
 * error, a failed lookup, a missing required value).
 *
 * @param table the quarantine table, e.g. {@code silver.flights_quarantine}
 * @param tableVersion the version of it the run wrote
 * @param rule the expectation's name, or the reason with its values elided
 * @param rows quarantined rows that carry it (a row rejected for two rules counts under both)
 */
public record QuarantineCount(String table, long tableVersion, String rule, long rows) {
  public QuarantineCount {
    Checks.notBlank(table, "quarantine table");
    Checks.notNegative(tableVersion, "version of quarantine table " + table);
    Checks.notBlank(rule, "quarantine rule of table " + table);
    Checks.notNegative(rows, "quarantined rows of table " + table);
  }
}
