package dev.lakeml.pipelines.flights;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Builds raw API pulls of the BTS on-time records from {@code flights-3m.parquet} (vega-datasets):
 * one folder per day, one JSON file per page, each exactly the body the flights API returns.
 *
 * <p>Each record gets the id the API would give it: its position in the whole data set ordered by
 * (date, origin, destination, distance, delay), so ids agree between a sample and the full pulls.
 * {@code --every N} keeps records whose id is a multiple of N (a 1/N sample).
 *
 * <p>Usage: {@code BuildFlightsPulls --parquet flights-3m.parquet --out DIR [--every N] [--page-size S]
 * [--from yyyy-MM-dd --before yyyy-MM-dd]}
 */
public final class BuildFlightsPulls {
  private BuildFlightsPulls() {}

  public static void main(String[] args) throws IOException {
    String parquet = arg(args, "--parquet", null);
    String out = arg(args, "--out", null);
    int every = Integer.parseInt(arg(args, "--every", "1"));
    int pageSize = Integer.parseInt(arg(args, "--page-size", "1000"));
    String from = arg(args, "--from", "2001-01-01");
    String before = arg(args, "--before", "2001-07-02");
    if (parquet == null || out == null) {
      System.err.println("usage: BuildFlightsPulls --parquet flights-3m.parquet --out DIR [--every N] [--page-size S] [--from D --before D]");
      System.exit(2);
    }
    SparkSession spark = SparkSession.builder().appName("build-flights-pulls").master(System.getProperty("spark.master", "local[*]"))
        .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    long written = write(spark, parquet, Path.of(out), every, pageSize, from, before);
    System.out.printf("wrote %,d records to %s%n", written, out);
    spark.stop();
  }

  static long write(SparkSession spark, String parquet, Path out, int every, int pageSize, String from, String before) throws IOException {
    Dataset<Row> flights =
        spark.read().parquet(parquet)
            .withColumn("_local", expr("date_format(date, \"yyyy-MM-dd'T'HH:mm:ss\")"))
            .withColumn("id", row_number().over(Window.orderBy("date", "origin", "destination", "distance", "delay")).cast("long"))
            .filter(col("id").mod(every).equalTo(0))
            .withColumn("day", expr("substr(_local, 1, 10)"))
            .filter(col("day").geq(lit(from)).and(col("day").lt(lit(before))));
    Dataset<Row> paged =
        flights
            .withColumn("_pos", row_number().over(Window.partitionBy("day").orderBy("id")).minus(1))
            .withColumn("page", floor(col("_pos").divide(pageSize)).plus(1).cast("int"))
            .withColumn("total_records", count(lit(1)).over(Window.partitionBy("day")))
            .withColumn("record", expr("to_json(named_struct('id', id, 'date', _local, 'delay', delay, 'distance', distance, 'origin', origin, 'destination', destination))"));
    Dataset<Row> pages =
        paged.groupBy("day", "page")
            .agg(expr("max(total_records) AS total_records"), expr("array_join(transform(array_sort(collect_list(struct(id, record))), x -> x.record), ',') AS records"));
    Files.createDirectories(out);
    List<Row> rows = pages.collectAsList();
    long total = 0;
    for (Row r : rows) {
      String day = r.getString(0);
      int page = r.getInt(1);
      long records = r.getLong(2);
      int totalPages = (int) ((records + pageSize - 1) / pageSize);
      String next = page < totalPages ? "\"/v1/flights?date=" + day + "&page=" + (page + 1) + "&page_size=" + pageSize + "\"" : "null";
      String body =
          "{\"source\":\"bts-ontime\",\"request\":{\"date\":\"" + day + "\",\"page\":" + page + ",\"page_size\":" + pageSize + "},"
              + "\"page\":" + page + ",\"total_pages\":" + totalPages + ",\"total_records\":" + records + ",\"next\":" + next
              + ",\"records\":[" + r.getString(3) + "]}\n";
      Path dir = out.resolve(day);
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(String.format("page-%04d.json", page)), body, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      total += Math.min(pageSize, records - (long) (page - 1) * pageSize);
    }
    return total;
  }

  private static String arg(String[] args, String name, String defaultValue) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return defaultValue;
  }
}
