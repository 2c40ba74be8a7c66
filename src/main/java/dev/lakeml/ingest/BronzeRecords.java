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

import java.util.List;
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

  /**
   * The columns bronze keeps Delta's file statistics for: what reads filter bronze on (its files,
   * times, ids, corrupt rows). Not the payload, its hash, the page's hash or its request: nobody
   * reads them by range, and their statistics took ~15 % of the write's CPU at 3M (BENCHMARKS.md).
   */
  public static final List<String> STATS_COLUMNS =
      List.of("source_name", "source_file", "file_modified_at", "page_number", "record_index", "record_id", "corrupt_reason", "ingested_at");

  private BronzeRecords() {}

  /**
   * Pages parsed once, one row per page: what {@link #records} and {@link #facts} both read. Persist
   * {@link #pages()} to parse each page once for both (ingest does); a corrupt page keeps its body,
   * a valid one only its hash.
   */
  public record Parsed(Dataset<Row> pages) {}

  /** {@link #records} of freshly {@link #parse parsed} pages. */
  public static Dataset<Row> fromPages(Dataset<Row> pages, String sourceName, String recordsField, String idField) {
    return records(parse(pages, recordsField), sourceName, idField);
  }

  /**
   * Parses each page strictly: its envelope, its records as JSON strings, and why it is corrupt
   * (null when valid). What the records take from their page (its hash, number, request) is
   * computed here, once per page: a page-level column read after the explode would be carried into,
   * or computed for, every record (the page's ~100 KB body hashed a thousand times).
   */
  public static Parsed parse(Dataset<Row> pages, String recordsField) {
    StructType envelope =
        new StructType()
            .add("page", DataTypes.LongType)
            .add("request", DataTypes.StringType)
            .add(recordsField, DataTypes.createArrayType(DataTypes.StringType))
            .add("_corrupt_record", DataTypes.StringType);
    Column page = col("_page");
    Column records = page.getField(recordsField);
    Column reason =
        when(page.isNull().or(page.getField("_corrupt_record").isNotNull()), lit("page is not valid JSON (truncated or not JSON), or its page number is not a number"))
            .when(records.isNull(), lit("page has no '" + recordsField + "' array"));
    return new Parsed(
        pages
            .withColumn("_page", from_json(col("body"), envelope, STRICT_JSON))
            .select(
                col("source_file"),
                col("file_modified_at"),
                sha2(col("body"), 256).as("_page_sha256"),
                page.getField("page").as("_page_number"),
                page.getField("request").as("_page_request"),
                reason.as("_page_reason"),
                records.as("_records"),
                when(reason.isNotNull(), col("body")).as("_corrupt_body"),
                // A valid page's records were counted by the strict parse; only a page it rejected
                // is scanned again, leniently, so that its records are still counted.
                when(reason.isNotNull(), coalesce(expr("json_array_length(get_json_object(body, '$." + recordsField + "'))"), lit(0)))
                    .as("_scanned_leniently")));
  }

  /** One bronze row per record of a valid page, one per corrupt page (its whole body as payload, and why). */
  public static Dataset<Row> records(Parsed parsed, String sourceName, String idField) {
    Dataset<Row> exploded =
        parsed
            .pages()
            .select(
                col("source_file"),
                col("file_modified_at"),
                col("_page_sha256"),
                col("_page_number"),
                col("_page_request"),
                col("_page_reason"),
                expr("CASE WHEN _page_reason IS NULL THEN _records ELSE array(_corrupt_body) END").as("_items"))
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
   * What {@link #records} makes of each page, counted per page without exploding it: {@code
   * source_file}; {@code rows}, the bronze rows it yields (its records, or 1 for a corrupt page);
   * {@code written}, records kept as they are; {@code rescued}, records kept and flagged (null, not
   * an object); {@code quarantined_pages}, 1 for a corrupt page; {@code last_page}, its page number;
   * and {@code scanned}, the length of its records array: the strict parse's for a valid page, a
   * lenient JSON scan's for a page the strict parse rejected. Every page has a row, an empty one too
   * (0 rows). Same rules as {@link #records}: its rows grouped by page give the same counts ({@code
   * BronzeRecordsTest}).
   */
  public static Dataset<Row> facts(Parsed parsed) {
    Column valid = col("_page_reason").isNull();
    Column records = size(col("_records"));
    Column kept = size(filter(col("_records"), (scala.Function1<Column, Column> & java.io.Serializable) r -> recordReason(r).isNull()));
    return parsed
        .pages()
        .select(
            col("source_file"),
            when(valid, records).otherwise(1).cast("long").as("rows"),
            when(valid, kept).otherwise(0).cast("long").as("written"),
            when(valid, records.minus(kept)).otherwise(0).cast("long").as("rescued"),
            when(valid, 0).otherwise(1).cast("long").as("quarantined_pages"),
            col("_page_number").as("last_page"),
            when(valid, records).otherwise(col("_scanned_leniently")).cast("long").as("scanned"));
  }

  /** Why a record of a valid page is kept but flagged, or null when it is a JSON object. */
  private static Column recordReason(Column payload) {
    return when(payload.isNull(), lit("record is null")).when(substring(ltrim(payload), 1, 1).notEqual(lit("{")), lit("record is not a JSON object"));
  }
}
