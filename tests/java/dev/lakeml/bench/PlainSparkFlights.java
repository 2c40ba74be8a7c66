package dev.lakeml.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.row_number;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * The plain-Spark baseline of the benchmark (issue #8): the flights pipeline written by hand as a
 * minimal Spark job, with the same inputs, the same outputs (Delta tables) and the same model settings
 * as {@code jobs/flights.conf}, and none of lakeml's framework — no spec, no quality checks, no
 * ledgers, no lineage, no catalog. {@code scripts/bench} runs it beside lakeml in one invocation and
 * divides the times. Like Spark's own benchmarks it lives with the test sources.
 *
 * <p>Prints one line per stage: {@code stage <name> <seconds> <rows>}.
 *
 * <p>Usage: {@code PlainSparkFlights --pulls DIR --airports CSV --timezones CSV --out DIR}
 */
public final class PlainSparkFlights {
  private PlainSparkFlights() {}

  public static void main(String[] args) {
    Map<String, String> a = args(args);
    String out = a.get("--out");
    SparkSession spark =
        SparkSession.builder()
            .appName("plain-spark-flights")
            .master(System.getProperty("spark.master", "local[*]"))
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
            // The same session settings as lakeml's conf/base.conf + conf/local.conf.
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.databricks.delta.snapshotPartitions", "2")
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            // As lakeml's Sessions: the local file system without a chmod or readlink process per file.
            .config("spark.hadoop.fs.file.impl", dev.lakeml.delta.NioLocalFileSystem.class.getName())
            .config("spark.hadoop.fs.AbstractFileSystem.file.impl", dev.lakeml.delta.NioLocalFileSystem.Fs.class.getName())
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    // As lakeml's Sessions: list the pages' paths in a few tasks per core, not one task per page.
    spark.conf().set("spark.sql.sources.parallelPartitionDiscovery.parallelism", String.valueOf(Math.max(2, spark.sparkContext().defaultParallelism() * 4)));

    // ingest: every record of every page, kept as its raw JSON with the page it came from.
    long t = System.nanoTime();
    Dataset<Row> pages = spark.read().option("wholetext", "true").text(a.get("--pulls") + "/*/*.json").withColumn("source_file", input_file_name());
    pages
        .withColumn("page", expr("from_json(value, 'page BIGINT, records ARRAY<STRING>')"))
        .selectExpr("source_file", "posexplode(page.records) AS (record_index, payload)")
        .write().format("delta").mode("overwrite").save(out + "/bronze");
    report("ingest", t, spark.read().format("delta").load(out + "/bronze"));

    // refine: typed, de-duplicated by id, airports' time zones looked up, UTC, bad rows set aside.
    t = System.nanoTime();
    Dataset<Row> zones = spark.read().option("header", "true").csv(a.get("--timezones"));
    Dataset<Row> airports =
        spark.read().option("header", "true").csv(a.get("--airports"))
            .join(zones, "state")
            .selectExpr("iata", "timezone");
    Dataset<Row> typed =
        spark.read().format("delta").load(out + "/bronze")
            .withColumn("r", expr("from_json(payload, 'id BIGINT, date STRING, delay INT, distance INT, origin STRING, destination STRING')"))
            .selectExpr("r.*", "source_file", "record_index")
            .withColumn("_rn", row_number().over(Window.partitionBy("id").orderBy(col("source_file").desc(), col("record_index"))))
            .filter("_rn = 1 AND id IS NOT NULL");
    Dataset<Row> silver =
        typed
            .join(airports.withColumnRenamed("iata", "origin").withColumnRenamed("timezone", "origin_timezone"), "origin")
            .join(airports.withColumnRenamed("iata", "destination").withColumnRenamed("timezone", "dest_timezone"), "destination")
            .selectExpr(
                "id",
                "to_timestamp(date, \"yyyy-MM-dd'T'HH:mm:ss\") AS dep_time_local",
                "to_utc_timestamp(to_timestamp(date, \"yyyy-MM-dd'T'HH:mm:ss\"), origin_timezone) AS dep_time_utc",
                "to_date(to_timestamp(date, \"yyyy-MM-dd'T'HH:mm:ss\")) AS flight_date",
                "origin", "destination", "distance", "delay", "origin_timezone")
            .filter("delay IS NOT NULL AND distance BETWEEN 1 AND 6000 AND origin <> destination"
                + " AND origin RLIKE '^[A-Z0-9]{3}$' AND destination RLIKE '^[A-Z0-9]{3}$' AND dep_time_utc IS NOT NULL");
    silver.write().format("delta").mode("overwrite").save(out + "/silver");
    report("refine", t, spark.read().format("delta").load(out + "/silver"));

    // features: the label and trailing rates over the days strictly before each flight's day.
    t = System.nanoTime();
    Dataset<Row> base =
        spark.read().format("delta").load(out + "/silver")
            .withColumn("event_date", col("flight_date"))
            .withColumn("is_late", expr("CAST(delay > 15 AS INT)"))
            .withColumn("dep_hour", expr("hour(dep_time_local)"))
            .withColumn("day_of_week", expr("dayofweek(flight_date)"))
            .withColumn("month", expr("month(flight_date)"));
    Dataset<Row> gold = base;
    gold = gold.join(trailing(base, "origin_late_rate_7d", 7, true, "origin"), asSeq("origin", "event_date"), "left");
    gold = gold.join(trailing(base, "dest_late_rate_7d", 7, true, "destination"), asSeq("destination", "event_date"), "left");
    gold = gold.join(trailing(base, "route_late_rate_28d", 28, true, "origin", "destination"), asSeq("origin", "destination", "event_date"), "left");
    gold = gold.join(trailing(base, "origin_flights_7d", 7, false, "origin"), asSeq("origin", "event_date"), "left")
        .withColumn("origin_flights_7d", expr("coalesce(origin_flights_7d, 0)"));
    gold.write().format("delta").mode("overwrite").save(out + "/gold");
    report("features", t, spark.read().format("delta").load(out + "/gold"));

    // train: the same MLlib pipeline and settings as the spec (GBT, 20 rounds, depth 5), Jan 8 - Apr / May.
    t = System.nanoTime();
    Dataset<Row> features = spark.read().format("delta").load(out + "/gold");
    Dataset<Row> train = features.filter("event_date >= '2001-01-08' AND event_date < '2001-05-01'");
    Dataset<Row> eval = features.filter("event_date >= '2001-05-01' AND event_date < '2001-06-01'");
    String[] numeric = {"distance", "dep_hour", "day_of_week", "month", "origin_late_rate_7d", "dest_late_rate_7d", "route_late_rate_28d", "origin_flights_7d"};
    List<PipelineStage> stages = new ArrayList<>();
    stages.add(new StringIndexer().setInputCols(new String[] {"origin", "destination"}).setOutputCols(new String[] {"origin_idx", "destination_idx"})
        .setHandleInvalid("keep").setStringOrderType("alphabetAsc"));
    String[] dbl = new String[numeric.length];
    String[] imputed = new String[numeric.length];
    for (int i = 0; i < numeric.length; i++) {
      dbl[i] = numeric[i];
      imputed[i] = numeric[i] + "_imp";
    }
    stages.add(new Imputer().setInputCols(dbl).setOutputCols(imputed).setStrategy("median"));
    List<String> inputs = new ArrayList<>(List.of("origin_idx", "destination_idx"));
    inputs.addAll(List.of(imputed));
    stages.add(new VectorAssembler().setInputCols(inputs.toArray(new String[0])).setOutputCol("features").setHandleInvalid("keep"));
    stages.add(new GBTClassifier().setLabelCol("is_late").setFeaturesCol("features").setMaxIter(20).setMaxDepth(5).setStepSize(0.1).setSeed(42).setMaxBins(256));
    Dataset<Row> castTrain = castDoubles(train, numeric);
    PipelineModel model = new Pipeline().setStages(stages.toArray(new PipelineStage[0])).fit(castTrain);
    double auc = new BinaryClassificationEvaluator().setLabelCol("is_late").setRawPredictionCol("rawPrediction").setMetricName("areaUnderROC")
        .evaluate(model.transform(castDoubles(eval, numeric)));
    System.out.printf("metric auc %.4f%n", auc);
    report("train", t, train);

    // score: June with the model, written as a Delta table.
    t = System.nanoTime();
    model.transform(castDoubles(features.filter("event_date >= '2001-06-01' AND event_date < '2001-07-02'"), numeric))
        .select(col("id"), col("event_date"), functions.vector_to_array(col("probability"), "float64").getItem(1).as("probability"))
        .write().format("delta").mode("overwrite").save(out + "/predictions");
    report("score", t, spark.read().format("delta").load(out + "/predictions"));
    spark.stop();
  }

  /** Per (group, day): the mean of is_late (or the count) over the {@code days} days before that day. */
  static Dataset<Row> trailing(Dataset<Row> base, String name, int days, boolean mean, String... groups) {
    String g = String.join(", ", groups);
    base.createOrReplaceTempView("_base");
    String value = mean ? "sum(s) OVER w / nullif(sum(n) OVER w, 0)" : "sum(n) OVER w";
    return base.sparkSession().sql(
        "SELECT " + g + ", event_date, " + value + " AS " + name
            + " FROM (SELECT " + g + ", event_date, count(*) AS n, sum(is_late) AS s, datediff(event_date, DATE'1970-01-01') AS d"
            + " FROM _base GROUP BY " + g + ", event_date)"
            + " WINDOW w AS (PARTITION BY " + g + " ORDER BY d RANGE BETWEEN " + days + " PRECEDING AND 1 PRECEDING)");
  }

  private static Dataset<Row> castDoubles(Dataset<Row> df, String[] numeric) {
    for (String c : numeric) {
      df = df.withColumn(c, col(c).cast("double"));
    }
    return df;
  }

  private static void report(String stage, long startNanos, Dataset<Row> rows) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    System.out.printf("stage %s %.1f %d%n", stage, seconds, rows.count());
  }

  private static scala.collection.Seq<String> asSeq(String... cols) {
    return scala.collection.JavaConverters.asScalaBuffer(List.of(cols)).toSeq();
  }

  private static Map<String, String> args(String[] args) {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    for (String required : List.of("--pulls", "--airports", "--timezones", "--out")) {
      if (!a.containsKey(required)) {
        System.err.println("usage: PlainSparkFlights --pulls DIR --airports CSV --timezones CSV --out DIR (missing " + required + ")");
        System.exit(2);
      }
    }
    return a;
  }
}
