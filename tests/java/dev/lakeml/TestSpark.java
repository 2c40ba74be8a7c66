package dev.lakeml;

import dev.lakeml.config.Settings;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.Sessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of the test JVM (Surefire runs every test class in one fork), built by the
 * same {@link Sessions} code as production with settings that keep small tests fast.
 */
public final class TestSpark {
  private static SparkSession spark;
  private static Path scratch;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark = Sessions.create(settings(scratch().resolve("unused-root").toString()), "lakeml-tests");
    }
    return spark;
  }

  /** The session, when a test already started it. */
  public static synchronized java.util.Optional<SparkSession> started() {
    return java.util.Optional.ofNullable(spark);
  }

  /**
   * The test JVM's scratch folder ({@code lakeml-test-*} under the system's temporary folder),
   * deleted when the JVM exits: a suite run leaves nothing behind.
   */
  private static synchronized Path scratch() {
    if (scratch == null) {
      try {
        scratch = Files.createTempDirectory("lakeml-test-");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Path root = scratch;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root), "lakeml-test-scratch-cleanup"));
    }
    return scratch;
  }

  /** A new empty folder in the test JVM's scratch folder, deleted with it when the JVM exits. */
  public static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(scratch(), prefix);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path root) {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // a file another shutdown hook still writes: best effort, the OS's temp cleanup has the rest
    }
  }

  /** Settings as a test environment: local[2], few partitions, UI off, root as given. */
  public static Settings settings(String root) {
    return settings(root, Map.of());
  }

  /** {@link #settings(String)} with {@code spark} added to its spark block, as an environment file would. */
  public static Settings settings(String root, Map<String, String> spark) {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", "local[2]");
    conf.put("spark.sql.shuffle.partitions", "2");
    conf.put("spark.default.parallelism", "2");
    conf.put("spark.databricks.delta.snapshotPartitions", "2");
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.ui.showConsoleProgress", "false");
    conf.put("spark.sql.adaptive.enabled", "false");
    conf.put("spark.driver.host", "127.0.0.1");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    conf.put("spark.sql.warehouse.dir", (scratch == null ? Path.of(System.getProperty("java.io.tmpdir")) : scratch).resolve("warehouse").toString());
    conf.putAll(spark);
    return new Settings("test", root, conf, Settings.CatalogType.EMBEDDED, "", "", false, projectDir(), Settings.Lineage.NONE);
  }

  private static java.util.List<org.apache.spark.sql.catalog.Table> tables(SparkSession s, String db) {
    try {
      return s.catalog().listTables(db).collectAsList();
    } catch (Exception e) { // AnalysisException is checked
      throw new IllegalStateException(e);
    }
  }

  /** The repository checkout (Surefire sets lakeml.project.dir). */
  public static Path projectDir() {
    return Path.of(System.getProperty("lakeml.project.dir", ".")).toAbsolutePath().normalize();
  }

  /**
   * A lakehouse in a new empty folder; the catalog is cleared of other tests' tables first so
   * {@code layer.table} names resolve to this lakehouse.
   */
  public static Lakehouse freshLakehouse() {
    SparkSession s = session();
    for (Layer layer : Layer.values()) {
      if (s.catalog().databaseExists(layer.dbName())) {
        for (org.apache.spark.sql.catalog.Table t : tables(s, layer.dbName())) {
          boolean view = "VIEW".equalsIgnoreCase(t.tableType());
          s.sql((view ? "DROP VIEW IF EXISTS " : "DROP TABLE IF EXISTS ") + layer.dbName() + "." + t.name());
        }
      }
    }
    return new Lakehouse(s, tempDir("lakehouse-").toString());
  }
}
