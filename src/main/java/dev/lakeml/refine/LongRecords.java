package dev.lakeml.refine;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.config.PipelineSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Long records (one per entity, day and measure, e.g. NOAA CDO's station/date/datatype/value) to
 * one row per pivot key, as a pure {@code Dataset -> Dataset} step between parsing and {@link
 * Refiner#refine}. Nothing is lost silently: a record's parse errors follow it into its pivoted row
 * (prefixed with its measure), so the row is quarantined with every reason; records missing a key
 * part or the measure cannot be placed and become rows of their own, quarantined by the key check.
 * Records of measures not listed in {@code values} are ignored, as a column not selected would be.
 */
public final class LongRecords {
  private LongRecords() {}

  /**
   * @param parsed output of {@link Refiner#parseBronze}
   * @param key the refined table's key: one of the pivot keys, or a new column {@code concat_ws('|', keys)}
   */
  public static Dataset<Row> pivot(Dataset<Row> parsed, PipelineSpec.Pivot pivot, String key) {
    List<String> recordKey = new ArrayList<>(pivot.keys());
    recordKey.add(pivot.column());
    Column placed = lit(true);
    for (String k : recordKey) {
      placed = placed.and(col(k).isNotNull());
    }
    Column listed = col(pivot.column()).isin(pivot.values().toArray());
    Column hasReasons = expr("size(" + Refiner.REASONS + ") > 0");
    // A re-pulled (keys, measure) record keeps its newest copy, as dedupe does for a single key.
    Dataset<Row> records =
        Refiner.dedupe(parsed.filter(placed), recordKey).filter(listed.or(hasReasons));

    List<Column> aggs = new ArrayList<>();
    for (String v : pivot.values()) {
      aggs.add(max(when(col(pivot.column()).equalTo(v), col(pivot.value()))).as(v));
    }
    aggs.add(
        flatten(collect_list(expr("transform(" + Refiner.REASONS + ", r -> concat(" + pivot.column() + ", ' ', r))"))).as(Refiner.REASONS));
    aggs.add(min(struct(col("_source_file"), col("_page_sha256"), col("_record_index"))).as("_first"));
    aggs.add(max(col("_file_modified_at")).as("_file_modified_at"));
    aggs.add(concat(lit("["), array_join(array_sort(collect_list(col("_payload"))), ","), lit("]")).as("_payload"));
    Column[] keyCols = pivot.keys().stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    Dataset<Row> wide =
        records
            .groupBy(keyCols)
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
            .select(out(pivot, col("_first._source_file"), col("_first._page_sha256"), col("_first._record_index"), col(Refiner.REASONS)));

    // Records that cannot be placed in a row: their own row, with every key part they lack as a reason.
    List<Column> missing = new ArrayList<>();
    missing.add(col(Refiner.REASONS));
    for (String k : recordKey) {
      missing.add(when(col(k).isNull(), expr("array('" + k + ": missing')")).otherwise(expr("array()").cast("array<string>")));
    }
    Dataset<Row> unplaced =
        parsed
            .filter(not(placed))
            .withColumn(Refiner.REASONS, concat(missing.toArray(new Column[0])))
            .select(unplacedColumns(pivot));

    Dataset<Row> rows = wide.unionByName(unplaced);
    if (!pivot.keys().contains(key)) {
      rows = rows.withColumn(key, when(rowKeyComplete(pivot), concat_ws("|", keyCols)));
    }
    return rows;
  }

  private static Column rowKeyComplete(PipelineSpec.Pivot pivot) {
    Column c = lit(true);
    for (String k : pivot.keys()) {
      c = c.and(col(k).isNotNull());
    }
    return c;
  }

  private static Column[] out(PipelineSpec.Pivot pivot, Column sourceFile, Column pageSha, Column recordIndex, Column reasons) {
    List<Column> cols = new ArrayList<>();
    pivot.keys().forEach(k -> cols.add(col(k)));
    pivot.values().forEach(v -> cols.add(col(v)));
    cols.add(reasons.as(Refiner.REASONS));
    cols.add(sourceFile.as("_source_file"));
    cols.add(pageSha.as("_page_sha256"));
    cols.add(recordIndex.as("_record_index"));
    cols.add(col("_file_modified_at"));
    cols.add(col("_payload"));
    return cols.toArray(new Column[0]);
  }

  private static Column[] unplacedColumns(PipelineSpec.Pivot pivot) {
    List<Column> cols = new ArrayList<>();
    pivot.keys().forEach(k -> cols.add(col(k)));
    // The record's value is not placed under a measure: the row only carries its reasons.
    pivot.values().forEach(v -> cols.add(lit(null).cast("double").as(v)));
    cols.add(col(Refiner.REASONS));
    cols.add(col("_source_file"));
    cols.add(col("_page_sha256"));
    cols.add(col("_record_index"));
    cols.add(col("_file_modified_at"));
    cols.add(concat(lit("["), col("_payload"), lit("]")).as("_payload"));
    return cols.toArray(new Column[0]);
  }
}
