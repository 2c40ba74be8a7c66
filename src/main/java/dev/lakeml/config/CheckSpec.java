package dev.lakeml.config;

import java.util.List;

/**
 * One declared data-quality check on a table, as written in a pipeline spec.
 *
 * <p>{@code level = error} stops the job before anything is committed; {@code warning} records the
 * failure and goes on.
 */
public record CheckSpec(
    String name, Type type, List<String> columns, Double min, Double max, List<String> values, String predicate, Level level) {

  public enum Type {
    /** Every value of the column is non-null. */
    COMPLETE,
    /** At least {@code min} of the values are non-null (a ratio 0..1). */
    COMPLETENESS,
    /** The column (or column combination) has no duplicate values. */
    UNIQUE,
    /** Column values lie in [min, max]; either bound may be omitted. */
    RANGE,
    /** Column values are one of {@code values}. */
    ALLOWED_VALUES,
    /** The row count lies in [min, max]. */
    ROW_COUNT,
    /** The mean of the column lies in [min, max]. */
    MEAN,
    /** Every row satisfies a SQL predicate. */
    PREDICATE
  }

  public enum Level {
    WARNING,
    ERROR
  }

  public CheckSpec {
    columns = List.copyOf(columns);
    values = List.copyOf(values);
  }

  public String column() {
    return columns.isEmpty() ? null : columns.get(0);
  }

  static CheckSpec read(ConfigReader r) {
    Type type = r.enumValue("type", Type.class, null);
    List<String> columns =
        r.has("columns") ? r.identifiers("columns") : r.has("column") ? List.of(r.identifier("column")) : List.of();
    Double min = r.has("min") ? r.number("min", 0, -Double.MAX_VALUE, Double.MAX_VALUE) : null;
    Double max = r.has("max") ? r.number("max", 0, -Double.MAX_VALUE, Double.MAX_VALUE) : null;
    List<String> values = r.strings("values");
    String predicate = r.string("predicate", null);
    Level level = r.enumValue("level", Level.class, Level.ERROR);
    boolean needsColumn = type != Type.ROW_COUNT && type != Type.PREDICATE;
    if (needsColumn && columns.isEmpty()) {
      throw dev.lakeml.Errors.config(r.file(), r.path("column"), "is required for a check of type " + ConfigReader.name(type) + ".");
    }
    if (type == Type.PREDICATE && predicate == null) {
      throw dev.lakeml.Errors.config(r.file(), r.path("predicate"), "is required for a check of type predicate.");
    }
    if (type == Type.ALLOWED_VALUES && values.isEmpty()) {
      throw dev.lakeml.Errors.config(r.file(), r.path("values"), "must list at least one value for allowed_values.");
    }
    if ((type == Type.RANGE || type == Type.ROW_COUNT || type == Type.MEAN || type == Type.COMPLETENESS)
        && min == null
        && max == null) {
      throw dev.lakeml.Errors.config(r.file(), r.path("min"), "or max is required for a check of type " + ConfigReader.name(type) + ".");
    }
    String defaultName = ConfigReader.name(type) + (columns.isEmpty() ? "" : "(" + String.join(",", columns) + ")");
    String name = r.string("name", defaultName);
    r.finish();
    return new CheckSpec(name, type, columns, min, max, values, predicate, level);
  }
}
