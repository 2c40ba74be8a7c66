package dev.lakeml.config;

import dev.lakeml.Errors;
import java.util.List;

/**
 * One expectation on a table, as written in a pipeline spec's {@code expectations} list: a rule and
 * what to do when data breaks it.
 *
 * <p>Three kinds of rule:
 *
 * <ul>
 *   <li><b>row</b> rules judge each row ({@code not_null, range, pattern, allowed_values,
 *       foreign_key, sql}); a row breaking a {@code quarantine} rule goes to the table's quarantine
 *       table with every reason it was rejected for.
 *   <li><b>dataset</b> rules judge the rows about to be committed as a whole ({@code unique,
 *       row_count, completeness, freshness, mean, quantile}), evaluated with Deequ.
 *   <li><b>history</b> rules compare a metric with its baseline: the mean over the last {@code
 *       baselineVersions} <em>accepted</em> (published) versions ({@code row_count_change,
 *       null_rate_jump}).
 * </ul>
 *
 * <p>Bounds are normalised: {@code min}/{@code max} are the inclusive bounds of the measured value
 * (for {@code freshness} the age in hours of the newest event; for {@code row_count_change} the
 * relative change, e.g. -0.5 .. 1.0; for {@code null_rate_jump} the increase of the null rate).
 */
public record CheckSpec(
    String name,
    Rule rule,
    Action action,
    List<String> columns,
    Double min,
    Double max,
    List<String> values,
    String pattern,
    String predicate,
    String dimension,
    String dimensionKey,
    Double quantile,
    int baselineVersions) {

  /** What kind of evidence a rule needs. */
  public enum Kind {
    ROW,
    DATASET,
    HISTORY
  }

  public enum Rule {
    NOT_NULL(Kind.ROW),
    RANGE(Kind.ROW),
    PATTERN(Kind.ROW),
    ALLOWED_VALUES(Kind.ROW),
    FOREIGN_KEY(Kind.ROW),
    SQL(Kind.ROW),
    UNIQUE(Kind.DATASET),
    ROW_COUNT(Kind.DATASET),
    COMPLETENESS(Kind.DATASET),
    FRESHNESS(Kind.DATASET),
    MEAN(Kind.DATASET),
    QUANTILE(Kind.DATASET),
    ROW_COUNT_CHANGE(Kind.HISTORY),
    NULL_RATE_JUMP(Kind.HISTORY);

    public final Kind kind;

    Rule(Kind kind) {
      this.kind = kind;
    }
  }

  /** What a broken expectation does to the run. */
  public enum Action {
    /** Record it and go on. */
    WARN,
    /** Row rules only: move the row to the quarantine table, with every reason. */
    QUARANTINE,
    /** Stop before anything is committed (for gold: before anything is published). */
    FAIL
  }

  public CheckSpec {
    columns = List.copyOf(columns);
    values = List.copyOf(values);
  }

  public String column() {
    return columns.isEmpty() ? null : columns.get(0);
  }

  public Kind kind() {
    return rule.kind;
  }

  static CheckSpec read(ConfigReader r) {
    Rule rule = r.enumValue("rule", Rule.class, null);
    Action action = r.enumValue("action", Action.class, null);
    List<String> columns =
        r.has("columns") ? r.identifiers("columns") : r.has("column") ? List.of(r.identifier("column")) : List.of();
    Double min = optionalNumber(r, "min");
    Double max = optionalNumber(r, "max");
    List<String> values = r.strings("values");
    String pattern = r.string("pattern", null);
    String predicate = r.string("predicate", null);
    String dimension = r.has("dimension") ? r.identifier("dimension") : null;
    String dimensionKey = r.has("key") ? r.identifier("key") : null;
    Double quantile = r.has("quantile") ? r.number("quantile", 0.5, 0, 1) : null;
    Double maxAge = r.has("max-age-hours") ? r.number("max-age-hours", 0, 0, Double.MAX_VALUE) : null;
    Double maxDrop = r.has("max-drop") ? r.number("max-drop", 0, 0, 1) : null;
    Double maxRise = r.has("max-rise") ? r.number("max-rise", 0, 0, Double.MAX_VALUE) : null;
    Double maxIncrease = r.has("max-increase") ? r.number("max-increase", 0, 0, 1) : null;
    int baseline = r.integer("baseline-versions", 5, 1, 100);

    if (action == Action.QUARANTINE && rule.kind != Kind.ROW) {
      throw Errors.config(
          r.file(), r.path("action"), "cannot be quarantine for rule " + ConfigReader.name(rule) + ": only row rules can quarantine rows. Use warn or fail.");
    }
    boolean needsColumn = rule != Rule.ROW_COUNT && rule != Rule.SQL && rule != Rule.ROW_COUNT_CHANGE;
    if (needsColumn && columns.isEmpty()) {
      throw Errors.config(r.file(), r.path("column"), "is required for rule " + ConfigReader.name(rule) + ".");
    }
    if (rule.kind == Kind.ROW && columns.size() > 1) {
      throw Errors.config(r.file(), r.path("columns"), "must name one column for row rule " + ConfigReader.name(rule) + "; write one expectation per column.");
    }
    switch (rule) {
      case RANGE, ROW_COUNT, COMPLETENESS, MEAN, QUANTILE -> {
        if (min == null && max == null) {
          throw Errors.config(r.file(), r.path("min"), "or max is required for rule " + ConfigReader.name(rule) + ".");
        }
      }
      case PATTERN -> {
        require(r, pattern, "pattern", "a Java regular expression, e.g. \"^[A-Z]{3}$\"");
        try {
          java.util.regex.Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
          throw Errors.config(r.file(), r.path("pattern"), "is not a valid regular expression: " + e.getDescription() + ".");
        }
      }
      case ALLOWED_VALUES -> {
        if (values.isEmpty()) {
          throw Errors.config(r.file(), r.path("values"), "must list at least one value for rule allowed_values.");
        }
      }
      case FOREIGN_KEY -> {
        require(r, dimension, "dimension", "the dimension table the values must exist in");
        require(r, dimensionKey, "key", "the dimension's key column");
      }
      case SQL -> require(r, predicate, "predicate", "a SQL condition every row must satisfy");
      case FRESHNESS -> {
        require(r, maxAge, "max-age-hours", "the greatest age in hours the newest event may have");
        min = null;
        max = maxAge;
      }
      case ROW_COUNT_CHANGE -> {
        if (maxDrop == null && maxRise == null) {
          throw Errors.config(r.file(), r.path("max-drop"), "or max-rise is required for rule row_count_change (fractions, e.g. max-drop = 0.5).");
        }
        min = maxDrop == null ? null : -maxDrop;
        max = maxRise;
      }
      case NULL_RATE_JUMP -> {
        require(r, maxIncrease, "max-increase", "the greatest rise of the null rate over its baseline, e.g. 0.05");
        min = null;
        max = maxIncrease;
      }
      default -> {}
    }
    if (rule == Rule.QUANTILE && quantile == null) {
      throw Errors.config(r.file(), r.path("quantile"), "is required for rule quantile (0..1, e.g. 0.5 for the median).");
    }
    String defaultName = ConfigReader.name(rule) + (columns.isEmpty() ? "" : "(" + String.join(",", columns) + ")");
    String name = r.string("name", defaultName);
    r.finish();
    return new CheckSpec(name, rule, action, columns, min, max, values, pattern, predicate, dimension, dimensionKey, quantile, baseline);
  }

  private static Double optionalNumber(ConfigReader r, String key) {
    return r.has(key) ? r.number(key, 0, -Double.MAX_VALUE, Double.MAX_VALUE) : null;
  }

  private static void require(ConfigReader r, Object value, String key, String what) {
    if (value == null) {
      throw Errors.config(r.file(), r.path(key), "is required: " + what + ".");
    }
  }
}
