package dev.lakeml.observe;

/**
 * A Delta table version written by a stage.
 *
 * @param name table name as in the lakehouse layout, e.g. {@code silver.flights}
 * @param version the Delta version the stage committed
 * @param rows rows in the table at that version
 */
public record TableVersion(String name, long version, long rows) {
  public TableVersion {
    Checks.notBlank(name, "table name");
    Checks.notNegative(version, "version of table " + name);
    Checks.notNegative(rows, "rows of table " + name);
  }
}
