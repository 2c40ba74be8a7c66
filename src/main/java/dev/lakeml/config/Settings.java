package dev.lakeml.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where and how lakeml runs: the environment half of the configuration ({@code conf/}).
 *
 * <p>Precedence, highest first: command line ({@code --root}, {@code --conf k=v}), environment
 * variable {@code LAKEML_ROOT}, {@code conf/<env>.conf}, {@code conf/base.conf}, built-in defaults.
 * Parsed once at start-up; immutable.
 */
public record Settings(
    String env,
    String root,
    Map<String, String> spark,
    CatalogType catalogType,
    String metastoreUri,
    String pushgateway,
    boolean allowMultiClusterWrites,
    Path projectDir,
    Lineage lineage,
    int timeTravelHorizonHours) {

  /** The replay/time-travel horizon when conf/ does not set {@code maintenance.time-travel-horizon-hours}: Delta's own 7 days. */
  public static final int DEFAULT_HORIZON_HOURS = 168;

  public Settings(
      String env, String root, Map<String, String> spark, CatalogType catalogType, String metastoreUri, String pushgateway,
      boolean allowMultiClusterWrites, Path projectDir, Lineage lineage) {
    this(env, root, spark, catalogType, metastoreUri, pushgateway, allowMultiClusterWrites, projectDir, lineage, DEFAULT_HORIZON_HOURS);
  }

  /** OpenLineage events for every Spark job: none, a JSON-lines file, or an HTTP endpoint. */
  public record Lineage(String transport, String location, String url, String namespace) {
    public static final Lineage NONE = new Lineage("none", "", "", "lakeml");

    public boolean enabled() {
      return !transport.equals("none");
    }
  }

  /** How tables are found by name. */
  public enum CatalogType {
    /** In-memory catalog rebuilt from the lakehouse root at every session start: needs no server. */
    EMBEDDED,
    /** An external Hive metastore (catalog.metastore-uri), for clusters that share one catalog. */
    HIVE
  }

  public Settings {
    spark = Collections.unmodifiableMap(new LinkedHashMap<>(spark));
  }

  /** Loads conf/base.conf, then conf/{env}.conf over it, then the overrides over both. */
  public static Settings load(Path projectDir, String env, String rootOverride, Map<String, String> sparkOverrides) {
    return load(projectDir, env, rootOverride, sparkOverrides, Map.of());
  }

  /** As above, with {@code --set key=value} overrides of any environment key (validated like the files). */
  public static Settings load(
      Path projectDir, String env, String rootOverride, Map<String, String> sparkOverrides, Map<String, String> settingOverrides) {
    String envFile = "conf/" + env + ".conf";
    if (!ConfigFiles.exists(projectDir, envFile)) {
      throw ConfigFiles.missing("environment", envFile, projectDir);
    }
    Config base =
        ConfigFiles.exists(projectDir, "conf/base.conf")
            ? ConfigFiles.parse(projectDir, "conf/base.conf")
            : ConfigFactory.empty();
    Config merged = ConfigFiles.parse(projectDir, envFile).withFallback(base);
    String envRoot = System.getenv("LAKEML_ROOT");
    if (envRoot != null && !envRoot.isBlank()) {
      merged = merged.withValue("root", ConfigValueFactory.fromAnyRef(envRoot));
    }
    for (Map.Entry<String, String> o : settingOverrides.entrySet()) {
      merged = merged.withValue(o.getKey(), ConfigValueFactory.fromAnyRef(o.getValue(), "--set " + o.getKey()));
    }
    if (rootOverride != null) {
      boolean uri = rootOverride.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
      // a --root typed on the command line is relative to where the user is, not to the repository
      merged = merged.withValue("root", ConfigValueFactory.fromAnyRef(uri ? rootOverride : Path.of(rootOverride).toAbsolutePath().toString()));
    }
    ConfigReader r = new ConfigReader(merged, envFile + (settingOverrides.isEmpty() ? "" : " with --set") + " (over conf/base.conf)", "");
    String root = r.string("root", "lakehouse");
    Map<String, String> spark = r.map("spark");
    spark.putAll(sparkOverrides);
    ConfigReader catalog = r.object("catalog");
    CatalogType type = catalog.enumValue("type", CatalogType.class, CatalogType.EMBEDDED);
    String metastore = catalog.string("metastore-uri", "");
    if (type == CatalogType.HIVE && metastore.isBlank()) {
      throw dev.lakeml.Errors.config(r.file(), "catalog.metastore-uri", "is required when catalog.type = hive.");
    }
    catalog.finish();
    ConfigReader metrics = r.object("metrics");
    String pushgateway = metrics.string("pushgateway", "");
    metrics.finish();
    ConfigReader storage = r.object("storage");
    boolean multi = storage.bool("allow-multi-cluster-writes", false);
    storage.finish();
    ConfigReader l = r.object("lineage");
    String transport = l.string("transport", "none");
    if (!List.of("none", "file", "http").contains(transport)) {
      throw dev.lakeml.Errors.config(r.file(), "lineage.transport", "must be one of none, file, http, got '" + transport + "'.");
    }
    Lineage lineage = new Lineage(transport, l.string("location", ""), l.string("url", ""), l.string("namespace", "lakeml"));
    if (transport.equals("file") && lineage.location().isBlank()) {
      throw dev.lakeml.Errors.config(r.file(), "lineage.location", "is required when lineage.transport = file (a path for the JSON-lines events file).");
    }
    if (transport.equals("http") && lineage.url().isBlank()) {
      throw dev.lakeml.Errors.config(r.file(), "lineage.url", "is required when lineage.transport = http (e.g. a Marquez endpoint http://host:5000).");
    }
    l.finish();
    ConfigReader maintenance = r.object("maintenance");
    int horizon = maintenance.integer("time-travel-horizon-hours", DEFAULT_HORIZON_HOURS, 1, 24 * 3650);
    maintenance.finish();
    r.finish();
    return new Settings(env, resolveRoot(projectDir, root), spark, type, metastore, pushgateway, multi, projectDir, lineage, horizon);
  }

  /** A relative root is taken from the project directory; URIs (s3a://, hdfs://, file:) are kept. */
  static String resolveRoot(Path projectDir, String root) {
    if (root.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || root.startsWith("file:")) {
      return root.replaceAll("/+$", "");
    }
    return projectDir.resolve(root).toAbsolutePath().normalize().toString();
  }

  /** The effective settings, sorted, with secret-looking values masked: safe to print or log. */
  public Map<String, String> describe() {
    Map<String, String> out = new TreeMap<>();
    out.put("env", env);
    out.put("root", root);
    out.put("catalog.type", catalogType.name().toLowerCase());
    out.put("maintenance.time-travel-horizon-hours", String.valueOf(timeTravelHorizonHours));
    spark.forEach((k, v) -> out.put(k.startsWith("spark.") ? k : "spark." + k, Secrets.mask(k, v)));
    return out;
  }
}
