package dev.lakeml.deploy;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Checks that a lakehouse written elsewhere (on the cluster, on S3) holds the same tables as a
 * local run: {@code CompareLakehouses <expected-root> <actual-root>}; exit 0 when equal.
 *
 * <p>Every table: same row count in both. Bronze, silver and gold tables: same content, as the sum
 * of a 64-bit hash of each row over its columns (so order and file layout do not matter), and per
 * column, to name the columns that differ. Left out of the content: columns that record the run
 * rather than the data ({@code run_id}, {@code *_at} times), and source file
 * paths are compared from their {@code data/} folder on (the driver's project folder differs by
 * deployment); floating-point columns are compared rounded to 9 decimals, since a sum taken in
 * another order (other partitioning) moves the last bits. Ops tables (runs, quality results, model registry) record runs: counts only.
 * S3A settings come as {@code -Dspark.hadoop.fs.s3a.*} system properties.
 */
public final class CompareLakehouses {
  static final Pattern RUN_COLUMNS = Pattern.compile("(run_id|.*_at)");
  static final Pattern SOURCE_FILE = Pattern.compile(".*source_file");
  static final int FLOAT_DECIMALS = 9;

  private CompareLakehouses() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: CompareLakehouses <expected-root> <actual-root>");
      System.exit(2);
    }
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("compare lakehouses")
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.databricks.delta.snapshotPartitions", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    int differences = compare(spark, strip(args[0]), strip(args[1]));
    spark.stop();
    System.out.println(differences == 0 ? "compare: EQUAL" : "compare: " + differences + " table(s) differ");
    System.exit(differences == 0 ? 0 : 1);
  }

  static int compare(SparkSession spark, String expectedRoot, String actualRoot) throws IOException {
    TreeSet<String> expected = tables(spark, expectedRoot);
    TreeSet<String> actual = tables(spark, actualRoot);
    int differences = 0;
    TreeSet<String> all = new TreeSet<>(expected);
    all.addAll(actual);
    for (String t : all) {
      if (!expected.contains(t) || !actual.contains(t)) {
        System.out.printf("%-36s MISSING in %s%n", t, expected.contains(t) ? "actual" : "expected");
        differences++;
        continue;
      }
      Dataset<Row> e = spark.read().format("delta").load(expectedRoot + "/" + t);
      Dataset<Row> a = spark.read().format("delta").load(actualRoot + "/" + t);
      boolean contentChecked = !t.startsWith("ops/");
      Fingerprint fe = fingerprint(e, contentChecked);
      Fingerprint fa = fingerprint(a, contentChecked);
      List<String> differing = new ArrayList<>();
      if (contentChecked) {
        if (!Arrays.equals(fe.columns, fa.columns)) {
          differing.add("schema " + Arrays.toString(fe.columns) + " vs " + Arrays.toString(fa.columns));
        } else {
          for (int i = 0; i < fe.columns.length; i++) {
            if (!fe.hashes[i + 1].equals(fa.hashes[i + 1])) {
              differing.add(fe.columns[i]);
            }
          }
          if (differing.isEmpty() && !fe.hashes[0].equals(fa.hashes[0])) {
            differing.add("(rows: same columns, different combinations)");
          }
        }
      }
      boolean same = fe.rows == fa.rows && differing.isEmpty();
      String content = contentChecked ? (differing.isEmpty() ? "content equal" : "content DIFFERS in " + differing) : "counts only";
      System.out.printf("%-36s rows %,d vs %,d  %s%s%n", t, fe.rows, fa.rows, content, same ? "" : "  <-- DIFFERENT");
      if (!same) {
        differences++;
      }
    }
    return differences;
  }

  record Fingerprint(long rows, String[] columns, Object[] hashes) {}

  static Fingerprint fingerprint(Dataset<Row> table, boolean content) {
    if (!content) {
      return new Fingerprint(table.count(), new String[0], new Object[0]);
    }
    List<String> kept = new ArrayList<>();
    List<Column> values = new ArrayList<>();
    for (String c : new TreeSet<>(Arrays.asList(table.columns()))) {
      if (RUN_COLUMNS.matcher(c).matches()) {
        continue;
      }
      kept.add(c);
      Column v = col("`" + c + "`");
      String type = table.schema().apply(c).dataType().typeName();
      if (SOURCE_FILE.matcher(c).matches()) {
        v = regexp_replace(v, "^.*/data/", "data/");
      } else if (type.equals("double") || type.equals("float")) {
        // Sums in another order (other partitions) move the last bits: GBT probabilities differ by
        // up to ~6e-16 between a cluster and a local run. Compare to 9 decimals: a value this close to a rounding edge is
        // rare (about 1e-6 per differing value), a different model moves far more.
        v = round(v, FLOAT_DECIMALS);
      }
      values.add(v);
    }
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(sum(xxhash64(values.toArray(new Column[0])).cast("decimal(20,0)")));
    for (Column v : values) {
      aggregates.add(sum(xxhash64(v).cast("decimal(20,0)")));
    }
    aggregates.add(org.apache.spark.sql.functions.count(lit(1)));
    Row r = table.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0])).first();
    Object[] hashes = new Object[kept.size() + 1];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = String.valueOf(r.get(i));
    }
    return new Fingerprint(r.getLong(r.length() - 1), kept.toArray(new String[0]), hashes);
  }

  /** layer/table for every Delta table under the root. */
  static TreeSet<String> tables(SparkSession spark, String root) throws IOException {
    TreeSet<String> out = new TreeSet<>();
    Path rootPath = new Path(root);
    FileSystem fs = rootPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
    for (String layer : List.of("bronze", "silver", "gold", "ops")) {
      Path dir = new Path(rootPath, layer);
      if (!fs.exists(dir)) {
        continue;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_delta_log"))) {
          out.add(layer + "/" + s.getPath().getName());
        }
      }
    }
    return out;
  }

  private static String strip(String root) {
    return root.replaceAll("/+$", "");
  }
}
