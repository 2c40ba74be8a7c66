package dev.lakeml.delta;

import dev.lakeml.LakemlException;
import dev.lakeml.config.Settings;
import java.net.URI;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * Refuses storage configurations under which Delta can lose commits.
 *
 * <p>Delta commits by writing {@code _delta_log/<version>.json} only if it does not exist yet. S3
 * has no such put-if-absent for Delta's default S3 log store, so that store is safe only while one
 * driver (one cluster) writes a table; two writing clusters can overwrite each other's commit and
 * silently lose data. Multi-cluster writers need {@code io.delta.storage.S3DynamoDBLogStore}
 * (artifact {@code io.delta:delta-storage-s3-dynamodb}), which serialises commits through one
 * DynamoDB table shared by every writer. Single-cluster S3 and every other file system pass.
 */
public final class StorageSafety {
  static final String DYNAMODB_LOG_STORE = "io.delta.storage.S3DynamoDBLogStore";
  private static final Set<String> S3_SCHEMES = Set.of("s3", "s3a", "s3n");

  private StorageSafety() {}

  /** Checks the run's root and flag against spark-submit's settings with the environment's over them. */
  public static void check(Settings settings, SparkConf submitted) {
    Map<String, String> conf = new HashMap<>();
    for (Tuple2<String, String> kv : submitted.getAll()) {
      conf.put(kv._1(), kv._2());
    }
    conf.putAll(Sessions.baseConf(settings));
    check(settings.root(), settings.allowMultiClusterWrites(), conf);
  }

  /**
   * Checks that writing under {@code root} is safe with the Spark settings {@code conf} (the
   * effective ones: spark-submit's plus the environment file's).
   *
   * @param multiClusterWrites {@code storage.allow-multi-cluster-writes}: more than one cluster may
   *     write the same tables
   * @throws LakemlException when several clusters would write to S3 without the DynamoDB log store
   */
  public static void check(String root, boolean multiClusterWrites, Map<String, String> conf) {
    String scheme = scheme(root);
    if (!multiClusterWrites || !S3_SCHEMES.contains(scheme)) {
      return;
    }
    String logStore = logStoreFor(scheme, conf);
    if (!DYNAMODB_LOG_STORE.equals(logStore)) {
      throw unsafeMultiClusterWrites(root, scheme, logStore);
    }
  }

  /** The log store class Delta will use for {@code scheme}, or null for Delta's default. */
  static String logStoreFor(String scheme, Map<String, String> conf) {
    for (String key :
        new String[] {
          "spark.delta.logStore." + scheme + ".impl",
          "spark.hadoop.delta.logStore." + scheme + ".impl",
          "spark.delta.logStore.class"
        }) {
      String v = conf.get(key);
      if (v != null && !v.isBlank()) {
        return v.trim();
      }
    }
    return null;
  }

  static String scheme(String root) {
    int colon = root.indexOf(':');
    if (colon <= 0 || !root.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return "file";
    }
    return URI.create(root.replace(" ", "%20")).getScheme().toLowerCase(Locale.ROOT);
  }

  static LakemlException unsafeMultiClusterWrites(String root, String scheme, String logStore) {
    String current = logStore == null ? "Delta's default S3 log store" : "log store " + logStore;
    return new LakemlException(
        "Cannot write to "
            + root
            + ": Delta's default S3 log store is safe for one writing cluster only (two clusters"
            + " committing to one table can overwrite each other's commit and lose data), and"
            + " storage.allow-multi-cluster-writes = true declares several, but this run uses "
            + current
            + ". Either unset storage.allow-multi-cluster-writes and keep one writing cluster, or"
            + " set storage.allow-multi-cluster-writes only with the S3DynamoDB log store:"
            + " spark.delta.logStore."
            + scheme
            + ".impl="
            + DYNAMODB_LOG_STORE
            + " with io.delta:delta-storage-s3-dynamodb on the classpath,"
            + " spark.io.delta.storage.S3DynamoDBLogStore.ddb.tableName=<table shared by every writer>,"
            + " spark.io.delta.storage.S3DynamoDBLogStore.ddb.region=<region>"
            + " (see docs/snippets/deploy.md).",
        null,
        2);
  }
}
