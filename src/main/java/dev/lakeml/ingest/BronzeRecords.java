package dev.lakeml.ingest;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.ltrim;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Turns raw API pages into bronze rows, one per record, without interpreting the records: each
 * record's JSON is kept as {@code payload}, with the page it came from. A page that is not valid
 * JSON, or has no records array, becomes one row whose {@code corrupt_reason} says why and whose
 * payload is the whole body, so nothing is ever dropped.
 *
 * <p>Input columns: {@code body} (page text), {@code source_file}, {@code file_modified_at}.
 */
public final class BronzeRecords {
  // Strict JSON, as the HTTP puller reads pages: no single quotes, no NaN/Infinity.
  private static final Map<String, String> STRICT_JSON =
      Map.of(
          "mode", "PERMISSIVE",
          "columnNameOfCorruptRecord", "_corrupt_record",
          "allowSingleQuotes", "false",
          "allowNonNumericNumbers", "false");

  private BronzeRecords() {}

  public static Dataset<Row> fromPages(Dataset<Row> pages, String sourceName, String recordsField, String idField) {
    // Corrupt pages keep the whole body as one row; valid pages explode into their records. What
    // the rows take from their page (its hash, number, request) is computed here, once per page: a
    // page-level column read after the explode would be carried into, or computed for, every
    // record (the page's ~100 KB body hashed a thousand times).
    Dataset<Row> exploded =
        parsed(pages, recordsField)
            .select(
                col("source_file"),
                col("file_modified_at"),
                sha2(col("body"), 256).as("_page_sha256"),
                col("_page.page").as("_page_number"),
                col("_page.request").as("_page_request"),
                col("_page_reason"),
                expr("CASE WHEN _page_reason IS NULL THEN _records ELSE array(body) END").as("_items"))
            .selectExpr("*", "posexplode(_items) AS (record_index, payload)");
    Column corrupt = when(col("_page_reason").isNotNull(), col("_page_reason")).otherwise(recordReason(col("payload")));
    return exploded.select(
        lit(sourceName).as("source_name"),
        col("source_file"),
        col("file_modified_at"),
        col("_page_sha256").as("page_sha256"),
        col("_page_number").as("page_number"),
        col("_page_request").as("page_request"),
        when(col("_page_reason").isNull(), col("record_index").cast("int")).as("record_index"),
        udf(new TopLevelField(idField), DataTypes.StringType).apply(col("payload")).as("record_id"),
        col("payload"),
        sha2(col("payload"), 256).as("payload_sha256"),
        corrupt.as("corrupt_reason"),
        expr("current_timestamp()").as("ingested_at"));
  }

  /**
   * What {@link #fromPages} makes of each page, counted per page without exploding it: {@code
   * source_file}; {@code rows}, the bronze rows it yields (its records, or 1 for a corrupt page);
   * {@code written}, records kept as they are; {@code rescued}, records kept and flagged (null, not
   * an object); {@code quarantined_pages}, 1 for a corrupt page; {@code last_page}, its page number;
   * and {@code scanned}, the length of its records array: the strict parse's for a valid page, a
   * lenient JSON scan's for a page the strict parse rejected, so that its records are still counted. Every page has a row, an
   * empty one too (0 rows). Same rules as {@link #fromPages}: its rows grouped by page give the
   * same counts ({@code BronzeRecordsTest}).
   */
  public static Dataset<Row> pageFacts(Dataset<Row> pages, String recordsField) {
    Column valid = col("_page_reason").isNull();
    Column records = size(col("_records"));
    Column kept = size(filter(col("_records"), (scala.Function1<Column, Column> & java.io.Serializable) r -> recordReason(r).isNull()));
    return parsed(pages, recordsField)
        .select(
            col("source_file"),
            when(valid, records).otherwise(1).cast("long").as("rows"),
            when(valid, kept).otherwise(0).cast("long").as("written"),
            when(valid, records.minus(kept)).otherwise(0).cast("long").as("rescued"),
            when(valid, 0).otherwise(1).cast("long").as("quarantined_pages"),
            col("_page.page").as("last_page"),
            // A valid page's records were counted by the strict parse; only a page it rejected is
            // scanned again, leniently (a second parse of a ~100 KB body costs as much as the first).
            when(valid, records)
                .otherwise(coalesce(expr("json_array_length(get_json_object(body, '$." + recordsField + "'))"), lit(0)))
                .cast("long")
                .as("scanned"));
  }

  /** The pages parsed: {@code _page} (the envelope), {@code _records} and {@code _page_reason}, why a page is corrupt (null when valid). */
  private static Dataset<Row> parsed(Dataset<Row> pages, String recordsField) {
    StructType envelope =
        new StructType()
            .add("page", DataTypes.LongType)
            .add("request", DataTypes.StringType)
            .add(recordsField, DataTypes.createArrayType(DataTypes.StringType))
            .add("_corrupt_record", DataTypes.StringType);
    return pages
        .withColumn("_page", from_json(col("body"), envelope, STRICT_JSON))
        .withColumn("_records", col("_page." + recordsField))
        .withColumn(
            "_page_reason",
            when(col("_page").isNull().or(col("_page._corrupt_record").isNotNull()), lit("page is not valid JSON (truncated or not JSON), or its page number is not a number"))
                .when(col("_records").isNull(), lit("page has no '" + recordsField + "' array")));
  }

  /** Why a record of a valid page is kept but flagged, or null when it is a JSON object. */
  private static Column recordReason(Column payload) {
    return when(payload.isNull(), lit("record is null")).when(substring(ltrim(payload), 1, 1).notEqual(lit("{")), lit("record is not a JSON object"));
  }
}
