package dev.lakeml.refine;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.quality.RowRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Bronze (or a dimension file) to silver, as pure {@code Dataset -> Dataset} steps: parse each raw
 * record against the declared schema, keep one row per source key (deterministically), enrich with
 * dimension lookups, compute the declared columns, and split the result into valid rows and
 * quarantined rows that carry <em>every</em> reason they were rejected for.
 */
public final class Refiner {
  /** Internal columns every step reads and writes. */
  static final String REASONS = RowRules.REASONS;

  static final List<String> LINEAGE = List.of("_source_file", "_page_sha256", "_record_index", "_file_modified_at");

  /**
   * Valid rows for the silver table and rejected rows for its quarantine table, both derived from
   * {@code annotated}: every row with its reasons and broken expectations (persist it before using
   * the other two more than once).
   */
  public record Output(Dataset<Row> valid, Dataset<Row> quarantine, Dataset<Row> annotated) {}

  private Refiner() {}

  /** Bronze rows to one column per schema field, plus lineage, payload and the reasons so far. */
  public static Dataset<Row> parseBronze(Dataset<Row> bronze, String recordSchemaDdl) {
    StructType schema = schema(recordSchemaDdl);
    Column rec = from_json(col("payload"), schema, Map.of("mode", "PERMISSIVE"));
    List<Column> cols = new ArrayList<>();
    List<RowRules.Flag> reasons = new ArrayList<>();
    reasons.add(new RowRules.Flag(col("corrupt_reason").isNotNull(), col("corrupt_reason")));
    for (StructField f : schema.fields()) {
      Column raw = get_json_object(col("payload"), "$." + f.name());
      Column typed = col("_rec").getField(f.name());
      cols.add(typed.as(f.name()));
      reasons.add(
          new RowRules.Flag(
              // Cheapest first: the raw value is looked up (a second JSON parse) only for a field
              // that did not parse, not for every field of every record.
              col("corrupt_reason").isNull().and(typed.isNull()).and(raw.isNotNull()),
              concat(lit(f.name() + ": expected " + f.dataType().simpleString() + ", got "), expr("left(get_json_object(payload, '$." + f.name() + "'), 80)"))));
    }
    cols.add(RowRules.raised(reasons).as(REASONS));
    cols.add(col("source_file").as("_source_file"));
    cols.add(col("page_sha256").as("_page_sha256"));
    cols.add(col("record_index").as("_record_index"));
    cols.add(col("file_modified_at").as("_file_modified_at"));
    cols.add(col("payload").as("_payload"));
    return bronze.withColumn("_rec", rec).select(cols.toArray(new Column[0]));
  }

  /** Rows of a dimension file (all columns as read) prepared like parsed bronze. */
  public static Dataset<Row> parseFile(Dataset<Row> rows, String sourceFileColumn) {
    List<Column> cols = new ArrayList<>();
    for (String c : rows.columns()) {
      if (!c.equals(sourceFileColumn)) {
        cols.add(col(c));
      }
    }
    Column payload = to_json(struct(cols.toArray(new Column[0])));
    cols.add(expr("array()").cast("array<string>").as(REASONS));
    cols.add(col(sourceFileColumn).as("_source_file"));
    cols.add(lit(null).cast("string").as("_page_sha256"));
    cols.add(lit(null).cast("int").as("_record_index"));
    cols.add(lit(null).cast("timestamp").as("_file_modified_at"));
    cols.add(payload.as("_payload"));
    return rows.select(cols.toArray(new Column[0]));
  }

  /**
   * One row per key: a record pulled more than once keeps the copy from the newest file (then the
   * greatest file name, then the first position), so the same input always gives the same silver.
   */
  public static Dataset<Row> dedupe(Dataset<Row> parsed, String key) {
    return dedupe(parsed, List.of(key));
  }

  /** {@link #dedupe(Dataset, String)} by several key columns; rows with a null key part are all kept. */
  public static Dataset<Row> dedupe(Dataset<Row> parsed, List<String> keys) {
    Column[] keyCols = keys.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    Column complete = lit(true);
    for (Column k : keyCols) {
      complete = complete.and(k.isNotNull());
    }
    // One pass: a row with a null key part shares a window with the others of its key parts and is
    // kept whatever its number. A union of the keyed rows' window with a filter of the null-keyed
    // rows read and parsed the input twice (3M bronze records: every payload parsed again only to
    // find none without an id).
    var order = Window.partitionBy(keyCols).orderBy(newestFirst());
    return parsed.withColumn("_rn", row_number().over(order)).filter(col("_rn").equalTo(1).or(not(complete))).drop("_rn");
  }

  /** Which copy of a record {@link #dedupe} keeps: the newest file, then the greatest name, then the first position. */
  private static Column[] newestFirst() {
    return new Column[] {col("_file_modified_at").desc_nulls_last(), col("_source_file").desc_nulls_last(), col("_record_index").asc_nulls_last()};
  }

  /**
   * What {@link #refine} takes: parsed rows de-duplicated by the table's key, or, for a table with a
   * {@code pivot}, long records pivoted to one row per pivot key ({@link LongRecords#pivot}).
   */
  public static Dataset<Row> prepare(Dataset<Row> parsed, PipelineSpec.Refined spec) {
    return spec.pivot() == null ? dedupe(parsed, spec.key()) : LongRecords.pivot(parsed, spec.pivot(), spec.key());
  }

  /**
   * Lookups, computed columns, required columns, the table's row expectations; then the split into
   * valid and quarantined rows. A quarantined row carries every reason: parse errors, failed
   * lookups, missing required columns and each broken {@code quarantine} expectation.
   */
  public static Output refine(Dataset<Row> deduped, PipelineSpec.Refined spec, Map<String, Dataset<Row>> dimensions) {
    Dataset<Row> df = deduped;
    List<RowRules.Flag> reasons = new ArrayList<>();
    reasons.add(new RowRules.Flag(col(spec.key()).isNull(), lit(spec.key() + ": missing")));
    int i = 0;
    for (PipelineSpec.Lookup l : spec.lookups()) {
      Dataset<Row> dim = dimensions.get(l.dimension());
      if (dim == null) {
        throw new LakemlException(
            "Cannot refine " + spec.table() + ": lookup dimension '" + l.dimension()
                + "' is not declared before it in the spec's dimensions list.");
      }
      String hit = "_lk_hit_" + i;
      String keyCol = "_lk_key_" + i;
      List<Column> sel = new ArrayList<>();
      sel.add(col(l.key()).as(keyCol));
      for (String s : l.select()) {
        sel.add(col(s).as(l.prefix() + s));
      }
      sel.add(lit(true).as(hit));
      df = df.join(broadcast(dim.select(sel.toArray(new Column[0]))), col(l.on()).equalTo(col(keyCol)), "left").drop(keyCol);
      if (l.required()) {
        reasons.add(new RowRules.Flag(col(l.on()).isNull(), lit(l.on() + ": missing")));
        reasons.add(
            new RowRules.Flag(col(l.on()).isNotNull().and(col(hit).isNull()), concat(lit(l.on() + ": '"), col(l.on()), lit("' not found in " + l.dimension()))));
      }
      i++;
    }
    List<Column> out = new ArrayList<>();
    out.add(col(spec.key()));
    if (spec.columns().isEmpty()) {
      for (String c : deduped.columns()) {
        if (!c.startsWith("_") && !c.equals(spec.key())) {
          out.add(col(c));
        }
      }
    } else {
      for (Map.Entry<String, String> c : spec.columns().entrySet()) {
        if (!c.getKey().equals(spec.key())) {
          out.add(expr(c.getValue()).as(c.getKey()));
        }
      }
    }
    List<Column> all = new ArrayList<>(out);
    all.add(concatReasons(col(REASONS), RowRules.raised(reasons)).as(REASONS));
    for (String l : LINEAGE) {
      all.add(col(l));
    }
    all.add(col("_payload"));
    Dataset<Row> computed = df.select(all.toArray(new Column[0]));
    List<RowRules.Flag> required = new ArrayList<>();
    for (String r : spec.required()) {
      required.add(new RowRules.Flag(col(r).isNull(), lit(r + ": missing or invalid")));
    }
    // The raw record is kept only on the rows going to quarantine: a valid row's table columns say
    // the same, and the annotated rows are cached by their callers (3M records: the payloads were
    // most of the cache's bytes).
    Dataset<Row> checked =
        RowRules.annotate(
                computed.withColumn(REASONS, concatReasons(col(REASONS), RowRules.raised(required))), spec.expectations(), dimensions)
            .withColumn("_payload", when(not(VALID), col("_payload")));
    Dataset<Row> valid = checked.filter(VALID).select(tableColumns(checked));
    Dataset<Row> quarantine = checked.filter(not(VALID)).select(quarantineColumns(spec.key()));
    return new Output(valid, quarantine, checked);
  }

  /** A row of {@link Output#annotated} that passed every rule. */
  private static final Column VALID = expr("size(" + REASONS + ") = 0");

  /** The columns a valid row keeps in the table: all but the internal ones. */
  private static Column[] tableColumns(Dataset<Row> checked) {
    List<Column> cols = new ArrayList<>();
    for (String c : checked.columns()) {
      if (!c.equals(REASONS) && !c.equals(RowRules.BROKEN) && !c.equals("_payload") && !c.equals("_file_modified_at")) {
        cols.add(col(c));
      }
    }
    return cols.toArray(new Column[0]);
  }

  /** A quarantined row: its key, every reason, the rules it broke, the raw record and where it came from. */
  private static Column[] quarantineColumns(String key) {
    return new Column[] {
      col(key).cast("string").as("record_key"),
      col(REASONS).as("reasons"),
      col(RowRules.BROKEN).as("rules_broken"),
      col("_payload").as("payload"),
      col("_source_file").as("source_file"),
      col("_page_sha256").as("page_sha256"),
      col("_record_index").as("record_index")
    };
  }

  /**
   * What an increment changes, each row flagged {@code _valid}: {@code table} holds one row per key
   * refined (a valid row replaces or adds the key's row, an invalid one removes it);
   * {@code quarantine} holds every refined row (an invalid row replaces or adds the key's
   * quarantined row, a valid one removes it). See {@link dev.lakeml.delta.Lakehouse#upsertOrDelete}.
   */
  public record Changes(Dataset<Row> table, Dataset<Row> quarantine) {}

  /** The {@link Changes} of refined rows ({@link #refine} on {@link #newWinners}). */
  public static Changes changes(Output out, String key) {
    Dataset<Row> checked = out.annotated();
    Column[] valid = tableColumns(checked);
    Column[] tableCols = java.util.Arrays.copyOf(valid, valid.length + 1);
    tableCols[valid.length] = VALID.as("_valid");
    Column[] rejected = quarantineColumns(key);
    Column[] quarantineCols = java.util.Arrays.copyOf(rejected, rejected.length + 1);
    quarantineCols[rejected.length] = VALID.as("_valid");
    return new Changes(checked.filter(col(key).isNotNull()).select(tableCols), checked.select(quarantineCols));
  }

  /**
   * The rows of {@code holders} ({@code _k}, {@code _source_file}, {@code _record_index}: who holds
   * each key now, see {@link #newWinners}) whose key is among the non-null keys of the parsed
   * increment: the only holders {@link #newWinners} compares with.
   */
  public static Dataset<Row> holdersOf(Dataset<Row> parsed, Dataset<Row> holders, String key) {
    return holders.join(parsed.filter(col(key).isNotNull()).select(col(key).cast("string").as("_k")).distinct(), "_k");
  }

  /**
   * The parsed records of an increment that {@link #dedupe} would keep were it run on everything
   * read so far: per key, the newest copy among the increment's and the key's current holder (the
   * row in the table or its quarantine table, with the {@code _file_modified_at} of its file) by
   * the same order; records with a null key are all kept. Keys whose holder still wins are left
   * out: they do not change. {@code holders}: {@code _k} (the key as a string), {@code _source_file},
   * {@code _record_index}; {@code fileTimes}: {@code _source_file}, {@code _file_modified_at}.
   */
  public static Dataset<Row> newWinners(Dataset<Row> parsed, Dataset<Row> holders, Dataset<Row> fileTimes, String key) {
    Dataset<Row> deduped = dedupe(parsed, key);
    Dataset<Row> keyed = deduped.filter(col(key).isNotNull()).withColumn("_k", col(key).cast("string"));
    Column[] order = {col("_k"), col("_source_file"), col("_record_index"), col("_file_modified_at")};
    Dataset<Row> contenders =
        keyed.select(order).withColumn("_new", lit(true))
            .unionByName(holdersOf(parsed, holders, key).join(fileTimes, "_source_file").select(order).withColumn("_new", lit(false)));
    // Last, _new: a holder with the same file and position is the same record, already merged into
    // the quarantine table by a run killed before its silver merge; the rerun must still apply it.
    Column[] newestCopy = newestFirst();
    Column[] newestThenNew = java.util.Arrays.copyOf(newestCopy, newestCopy.length + 1);
    newestThenNew[newestCopy.length] = col("_new").desc();
    var newest = Window.partitionBy(col("_k")).orderBy(newestThenNew);
    Dataset<Row> won = contenders.withColumn("_rn", row_number().over(newest)).filter("_rn = 1 AND _new").select("_k");
    return keyed.join(won, "_k").drop("_k").unionByName(deduped.filter(col(key).isNull()));
  }

  static StructType schema(String ddl) {
    try {
      return StructType.fromDDL(ddl);
    } catch (RuntimeException e) {
      throw new LakemlException("Cannot parse record-schema '" + ddl + "': " + e.getMessage(), null, 2);
    }
  }

  private static Column concatReasons(Column a, Column b) {
    return org.apache.spark.sql.functions.concat(a, b);
  }
}
