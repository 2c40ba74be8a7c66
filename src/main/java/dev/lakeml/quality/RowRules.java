package dev.lakeml.quality;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.LakemlException;
import dev.lakeml.config.CheckSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Row-level expectations as SQL predicates, evaluated in one projection so that a rejected row
 * carries <em>every</em> rule it broke (Deequ's row-level results give one boolean per check).
 * Pure {@code Dataset -> Dataset}: no storage.
 *
 * <p>A null value breaks only {@code not_null} (and a {@code sql} predicate that is not true);
 * range, pattern, allowed values and foreign keys judge the values that are there.
 */
public final class RowRules {
  /** Reasons that send a row to quarantine (array&lt;string&gt;); earlier steps may have added some. */
  public static final String REASONS = "_reasons";

  /** Names of every row rule the row broke, whatever its action (array&lt;string&gt;). */
  public static final String BROKEN = "_broken";

  private RowRules() {}

  /**
   * Adds {@link #BROKEN} and appends to {@link #REASONS} (created if absent) the reasons of the
   * broken {@code quarantine} rules. {@code dimensions} are the tables {@code foreign_key} rules
   * look values up in, by their spec name.
   */
  public static Dataset<Row> annotate(Dataset<Row> rows, List<CheckSpec> rules, Map<String, Dataset<Row>> dimensions) {
    Dataset<Row> df = Arrays.asList(rows.columns()).contains(REASONS) ? rows : rows.withColumn(REASONS, emptyArray());
    List<Flag> broken = new ArrayList<>();
    List<Flag> reasons = new ArrayList<>();
    List<String> helpers = new ArrayList<>();
    int i = 0;
    for (CheckSpec rule : rules) {
      if (rule.kind() != CheckSpec.Kind.ROW) {
        continue;
      }
      Column c = rule.column() == null ? null : col(rule.column());
      Column violated;
      Column reason;
      switch (rule.rule()) {
        case NOT_NULL -> {
          violated = c.isNull();
          reason = lit(rule.name() + ": missing");
        }
        case RANGE -> {
          Column outside = lit(false);
          if (rule.min() != null) {
            outside = outside.or(c.lt(rule.min()));
          }
          if (rule.max() != null) {
            outside = outside.or(c.gt(rule.max()));
          }
          violated = c.isNotNull().and(outside);
          reason = concat(lit(rule.name() + ": "), c.cast("string"), lit(" outside [" + bound(rule.min()) + ", " + bound(rule.max()) + "]"));
        }
        case PATTERN -> {
          violated = c.isNotNull().and(not(c.cast("string").rlike(rule.pattern())));
          reason = concat(lit(rule.name() + ": '"), c.cast("string"), lit("' does not match " + rule.pattern()));
        }
        case ALLOWED_VALUES -> {
          violated = c.isNotNull().and(not(c.cast("string").isin(rule.values().toArray())));
          reason = concat(lit(rule.name() + ": '"), c.cast("string"), lit("' not in " + rule.values()));
        }
        case FOREIGN_KEY -> {
          Dataset<Row> dim = dimensions.get(rule.dimension());
          if (dim == null) {
            throw new LakemlException(
                "Cannot check expectation '" + rule.name() + "': dimension '" + rule.dimension()
                    + "' is not one of this pipeline's dimensions " + dimensions.keySet()
                    + ". Name a table from the spec's dimensions list.");
          }
          String key = "_fk_key_" + i;
          String hit = "_fk_hit_" + i;
          Dataset<Row> keys = dim.select(col(rule.dimensionKey()).as(key)).distinct().withColumn(hit, lit(true));
          df = df.join(broadcast(keys), c.equalTo(col(key)), "left").drop(key);
          helpers.add(hit);
          violated = c.isNotNull().and(col(hit).isNull());
          reason = concat(lit(rule.name() + ": '"), c.cast("string"), lit("' not found in " + rule.dimension() + "." + rule.dimensionKey()));
        }
        case SQL -> {
          violated = not(coalesce(expr(rule.predicate()), lit(false)));
          reason = lit(rule.name() + ": not (" + rule.predicate() + ")");
        }
        default -> throw new IllegalStateException("not a row rule: " + rule.rule());
      }
      broken.add(new Flag(violated, lit(rule.name())));
      if (rule.action() == CheckSpec.Action.QUARANTINE) {
        reasons.add(new Flag(violated, reason));
      }
      i++;
    }
    Dataset<Row> out =
        df.withColumn(BROKEN, raised(broken)).withColumn(REASONS, concat(col(REASONS), raised(reasons)));
    return helpers.isEmpty() ? out : out.drop(helpers.toArray(new String[0]));
  }

  /** How many rows broke each row rule, by rule name (rules nobody broke are absent), and how many have a quarantine reason. */
  public record Counts(Map<String, Long> broken, long rejected) {}

  /** {@link Counts} of {@code annotated}, in one pass: each rule a row broke, and null once for a row with a quarantine reason (no rule is named null). */
  public static Counts counts(Dataset<Row> annotated) {
    Column rejected = when(size(col(REASONS)).gt(0), array(lit(null).cast("string"))).otherwise(emptyArray());
    Map<String, Long> broken = new LinkedHashMap<>();
    long rejectedRows = 0;
    for (Row r : annotated.select(explode(concat(col(BROKEN), rejected)).as("rule")).groupBy("rule").count().collectAsList()) {
      if (r.isNullAt(0)) {
        rejectedRows = r.getLong(1);
      } else {
        broken.put(r.getString(0), r.getLong(1));
      }
    }
    return new Counts(broken, rejectedRows);
  }

  /** The rows without a quarantine reason, without the internal columns. */
  public static Dataset<Row> valid(Dataset<Row> annotated) {
    return annotated.filter("size(" + REASONS + ") = 0").drop(REASONS, BROKEN);
  }

  /**
   * The rejected rows in the quarantine table's shape, for tables computed from other tables (no
   * source page): the key, every reason, every broken rule and the whole row as JSON.
   */
  public static Dataset<Row> quarantine(Dataset<Row> annotated, String key) {
    List<Column> data = new ArrayList<>();
    for (String c : annotated.columns()) {
      if (!c.startsWith("_")) {
        data.add(col(c));
      }
    }
    return annotated
        .filter("size(" + REASONS + ") > 0")
        .select(
            col(key).cast("string").as("record_key"),
            col(REASONS).as("reasons"),
            col(BROKEN).as("rules_broken"),
            to_json(struct(data.toArray(new Column[0]))).as("payload"),
            lit(null).cast("string").as("source_file"),
            lit(null).cast("string").as("page_sha256"),
            lit(null).cast("int").as("record_index"));
  }

  /** A message, raised when its condition is true (see {@link #raised}); a rule's message is never null when it is. */
  public record Flag(Column condition, Column message) {}

  /**
   * The messages of the flags whose condition is true, in the flags' order (array&lt;string&gt;):
   * one single-element array per raised flag, concatenated, which Spark compiles with the rest of
   * the projection. A higher-order {@code filter} of an array of CASE WHENs, as before, is
   * evaluated row by row by the interpreter, conditions and all (~11 % of the executors' CPU in a
   * profile of a 3M refine).
   */
  public static Column raised(List<Flag> flags) {
    if (flags.isEmpty()) {
      return emptyArray();
    }
    Column[] parts = flags.stream().map(f -> when(f.condition(), array(f.message())).otherwise(emptyArray())).toArray(Column[]::new);
    return parts.length == 1 ? parts[0] : concat(parts);
  }

  private static Column emptyArray() {
    return expr("array()").cast("array<string>");
  }

  private static String bound(Double d) {
    return d == null ? "" : (d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(d));
  }
}
