package dev.lakeml.delta;

import dev.lakeml.config.Settings;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession every lakeml command runs in. The master is never set here when
 * spark-submit (or the caller) chose one; a plain local run gets {@code local[*]}.
 */
public final class Sessions {
  /**
   * How many tasks Spark lists files in when a read names more than 32 paths (a landing glob
   * {@code <day>/*.json} expands to one path per page file; VACUUM lists a table's folders). Spark's
   * default is one task per path up to 10,000: 3,097 tasks, 11-16 s on 2 cores, to stat the 3,097 pages
   * of the flights pulls, each time ingest's file source lists them. Set in a spark block or with
   * --conf to override.
   */
  public static final String LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism";

  /**
   * Whether Delta copies a small table's file list into each commit's checksum ({@code .crc}). Off:
   * Delta 3.3 reads that list only to extend and check it in the next commit, never to answer a
   * query, and to start it for a new table it runs a Spark query over the empty table's state in
   * every first commit (0.35 s against 0.23 s per create of a small table, warm; a pipeline run
   * creates ~20 tables, the test suite hundreds). The checksum's counts, sizes, protocol and
   * metadata are still written. Set in a spark block or with lakeml's --conf to override.
   */
  public static final String FILE_LIST_IN_CHECKSUM = "spark.databricks.delta.allFilesInCrc.enabled";

  private Sessions() {}

  public static SparkSession create(Settings settings, String appName) {
    SparkConf defaults = new SparkConf(true); // picks up spark.* system properties set by spark-submit
    StorageSafety.check(settings, defaults); // before any Spark start: refuse unsafe S3 multi-cluster writes
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!defaults.contains("spark.master")) {
      builder.master("local[*]");
    }
    for (Map.Entry<String, String> e : baseConf(settings).entrySet()) {
      builder.config(e.getKey(), e.getValue());
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel(System.getProperty("lakeml.log.level", "WARN"));
    if (!spark.conf().contains(LISTING_PARALLELISM)) {
      spark.conf().set(LISTING_PARALLELISM, listingParallelism(spark));
    }
    return spark;
  }

  /** Settings every session needs: Delta, UTC, catalog; then the environment's own spark block. */
  public static Map<String, String> baseConf(Settings settings) {
    Map<String, String> conf = new java.util.LinkedHashMap<>();
    conf.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    conf.put("spark.sql.session.timeZone", "UTC");
    // The local file system without a chmod or readlink process per file (NioLocalFileSystem).
    conf.put("spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName());
    conf.put("spark.hadoop.fs.AbstractFileSystem.file.impl", NioLocalFileSystem.Fs.class.getName());
    conf.put(FILE_LIST_IN_CHECKSUM, "false");
    if (settings.catalogType() == Settings.CatalogType.HIVE) {
      conf.put("spark.sql.catalogImplementation", "hive");
      conf.put("spark.hadoop.hive.metastore.uris", settings.metastoreUri());
    } else {
      conf.put("spark.sql.catalogImplementation", "in-memory");
    }
    if (settings.lineage().enabled()) {
      conf.put("spark.extraListeners", "io.openlineage.spark.agent.OpenLineageSparkListener");
      conf.put("spark.openlineage.namespace", settings.lineage().namespace());
      conf.put("spark.openlineage.transport.type", settings.lineage().transport());
      if (settings.lineage().transport().equals("file")) {
        conf.put("spark.openlineage.transport.location", settings.lineage().location());
      } else {
        conf.put("spark.openlineage.transport.url", settings.lineage().url());
      }
    }
    // Spark's progress bar only in a terminal; piped or logged output gets lakeml's plain stage lines.
    conf.put("spark.ui.showConsoleProgress", String.valueOf(System.console() != null));
    settings.spark().forEach((k, v) -> conf.put(k.startsWith("spark.") ? k : "spark." + k, v));
    return conf;
  }

  /** A few listing tasks per core: {@link #LISTING_PARALLELISM} unless set. */
  private static String listingParallelism(SparkSession spark) {
    return String.valueOf(Math.max(2, spark.sparkContext().defaultParallelism() * 4));
  }
}
