package dev.lakeml.catalog;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The catalog documentation of a pipeline's tables: table descriptions and the owner from the
 * pipeline spec, plus refresh cadence, source and column comments from the classpath resources
 * {@code catalog/<pipeline>.conf} and, for the framework's ops tables shared by every pipeline,
 * {@code catalog/ops.conf}. Where both document a table, each key the pipeline's file sets wins.
 * Gold columns without a written comment are described from their definition in the spec, so a new
 * feature is never undocumented.
 */
public final class CatalogDocs {
  public static final String UNDOCUMENTED = "Not documented yet: add a comment in src/main/resources/catalog/";
  static final String OPS_RESOURCE = "catalog/ops.conf";
  private static final Set<String> TABLE_KEYS = Set.of("description", "owner", "refresh", "source", "columns");

  private final PipelineSpec spec;
  private final Map<String, Config> written;

  private CatalogDocs(PipelineSpec spec, Map<String, Config> written) {
    this.spec = spec;
    this.written = written;
  }

  /**
   * Loads the docs of {@code spec}'s pipeline over those of the ops tables; a missing resource means
   * spec docs only.
   */
  public static CatalogDocs forPipeline(PipelineSpec spec) {
    String resource = "catalog/" + spec.name() + ".conf";
    return merge(spec, tables(read(resource), resource), tables(read(OPS_RESOURCE), OPS_RESOURCE));
  }

  /** The docs of {@code config} alone, read as the resource {@code resource} (tests). */
  static CatalogDocs parse(PipelineSpec spec, Config config, String resource) {
    return new CatalogDocs(spec, tables(config, resource));
  }

  /**
   * The pipeline's docs over the ops tables': a table documented in both takes each key the
   * pipeline's entry sets (a single column comment too) from it, the other keys from {@code ops}.
   */
  static CatalogDocs merge(PipelineSpec spec, Map<String, Config> pipeline, Map<String, Config> ops) {
    for (String name : ops.keySet()) {
      if (TableId.parse(name).layer() != Layer.OPS) {
        throw Errors.usage(
            "Cannot load " + OPS_RESOURCE + ": table " + name + " is not an ops table. Document it in catalog/" + spec.name() + ".conf instead.");
      }
    }
    Map<String, Config> tables = new TreeMap<>(ops);
    pipeline.forEach((name, own) -> tables.merge(name, own, (shared, mine) -> mine.withFallback(shared)));
    return new CatalogDocs(spec, tables);
  }

  private static Config read(String resource) {
    var in = CatalogDocs.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      return ConfigFactory.empty();
    }
    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return ConfigFactory.parseReader(r);
    } catch (java.io.IOException | ConfigException e) {
      throw Errors.usage("Cannot load " + resource + ": " + e.getMessage());
    }
  }

  /** The table entries of {@code config}, read from {@code resource}; names and keys checked. */
  static Map<String, Config> tables(Config config, String resource) {
    Map<String, Config> tables = new TreeMap<>();
    try {
      if (!config.hasPath("tables")) {
        return tables;
      }
      for (Map.Entry<String, ConfigValue> e : config.getObject("tables").entrySet()) {
        String name = e.getKey();
        try {
          TableId.parse(name); // rejects a name that is not <layer>.<table>
        } catch (LakemlException bad) {
          throw Errors.usage("Cannot load " + resource + ": " + bad.getMessage());
        }
        Config t = config.getConfig("tables.\"" + name + "\"");
        for (String key : t.root().keySet()) {
          if (!TABLE_KEYS.contains(key)) {
            throw Errors.usage("Cannot load " + resource + ": unknown key '" + key + "' in table " + name + ". Keys allowed here: " + String.join(", ", new java.util.TreeSet<>(TABLE_KEYS)) + ".");
          }
        }
        tables.put(name, t);
      }
    } catch (ConfigException e) { // e.g. a table entry that is not an object
      throw Errors.usage("Cannot load " + resource + ": " + e.getMessage());
    }
    return tables;
  }

  /** The doc of {@code table} given its current schema; every top-level column gets a comment. */
  public TableDoc doc(TableId table, StructType schema) {
    String name = table.toString();
    TableId published = publishedOf(table);
    if (published != null) {
      // A candidates table holds versions of the table it publishes to: the same columns.
      TableDoc of = doc(published, schema);
      return new TableDoc(
          name, "Candidate versions of " + published + " (write-audit-publish): each version written and audited here before it is published. " + of.description(),
          of.owner(), "each features run that rebuilds " + published, of.source(), of.columns());
    }
    Config t = written.getOrDefault(name, ConfigFactory.empty());
    String description = t.hasPath("description") ? t.getString("description") : specDescription(table);
    String owner = t.hasPath("owner") ? t.getString("owner") : spec.owner();
    String refresh = t.hasPath("refresh") ? t.getString("refresh") : defaultRefresh(table);
    String source = t.hasPath("source") ? t.getString("source") : "pipeline " + spec.name();
    Map<String, String> columns = new LinkedHashMap<>();
    Map<String, String> derived = derivedColumnDocs(table);
    for (StructField f : schema.fields()) {
      String path = "columns.\"" + f.name() + "\"";
      String comment = t.hasPath(path) ? t.getString(path) : derived.getOrDefault(f.name(), undocumented(table));
      columns.put(f.name(), comment);
    }
    return new TableDoc(name, description, owner, refresh, source, columns);
  }

  /** The table {@code table} is the candidates table of, or null. */
  private TableId publishedOf(TableId table) {
    return spec.gold() != null && table.layer() == Layer.GOLD && table.name().equals(spec.gold().candidatesTable()) && !written.containsKey(table.toString())
        ? TableId.of(Layer.GOLD, spec.gold().table())
        : null;
  }

  /** Names of tables with written docs in the resources (for tests and listings). */
  public Collection<String> documentedTables() {
    return written.keySet();
  }

  /**
   * Applies the docs to every table in {@code tables} that changed since the last time, one Delta
   * metadata commit per changed table. Returns the tables updated.
   */
  public List<TableId> apply(Lakehouse lakehouse, Collection<TableId> tables) {
    List<TableId> updated = new java.util.ArrayList<>();
    for (TableId id : tables) {
      if (DeltaTableDocs.apply(lakehouse.spark(), lakehouse.path(id), schema -> doc(id, schema))) {
        updated.add(id);
      }
    }
    return updated;
  }

  private String specDescription(TableId table) {
    String n = table.name();
    switch (table.layer()) {
      case SILVER -> {
        if (n.equals(spec.silver().table())) {
          return spec.silver().description();
        }
        if (n.equals(spec.silver().quarantineTable())) {
          return "Records of bronze." + spec.bronzeTable() + " rejected while refining silver." + spec.silver().table() + ", with every rule they broke.";
        }
        for (PipelineSpec.Refined d : spec.dimensions()) {
          if (n.equals(d.table())) {
            return d.description();
          }
          if (n.equals(d.quarantineTable())) {
            return "Rows of " + d.file().path() + " rejected while refining silver." + d.table() + ", with every rule they broke.";
          }
        }
      }
      case GOLD -> {
        if (n.equals(spec.gold().table())) {
          return spec.gold().description();
        }
        if (n.equals(spec.gold().quarantineTable())) {
          return "Rows of gold." + spec.gold().table() + " rejected by its checks, with every rule they broke.";
        }
      }
      default -> {}
    }
    return "Table " + table + " of pipeline " + spec.name() + ". " + undocumented(table);
  }

  /** Where a comment for {@code table} belongs: ops tables are documented once for every pipeline. */
  private String undocumented(TableId table) {
    return UNDOCUMENTED + (table.layer() == Layer.OPS ? "ops.conf" : spec.name() + ".conf");
  }

  private String defaultRefresh(TableId table) {
    return switch (table.layer()) {
      case BRONZE -> "every ingest run";
      case SILVER -> "every refine run with new input";
      case GOLD -> "every features or score run with new input";
      case OPS -> "appended by pipeline runs";
    };
  }

  /** Comments for gold columns computed from their definition in the spec. */
  Map<String, String> derivedColumnDocs(TableId table) {
    Map<String, String> docs = new LinkedHashMap<>();
    PipelineSpec.Features gold = spec.gold();
    if (table.layer() == dev.lakeml.delta.Layer.GOLD && table.name().equals(gold.table())) {
      docs.put(gold.label(), "Label: 1 when " + gold.labelExpr() + ", else 0.");
      gold.columns().forEach((name, expr) -> docs.put(name, "Feature: " + expr + "."));
      for (PipelineSpec.Trailing t : gold.trailing()) {
        String what =
            t.aggregate() == PipelineSpec.Aggregate.COUNT
                ? "Number of rows"
                : "Mean of " + (t.of() == null ? gold.label() : t.of());
        docs.put(
            t.name(),
            String.format(
                "Feature: %s per %s over the %d days before %s (point in time: the row's own day is excluded); %s without history.",
                what, String.join(", ", t.groupBy()), t.days(), gold.eventDate(), t.aggregate() == PipelineSpec.Aggregate.COUNT ? "0" : "NULL"));
      }
    }
    if (table.layer() == dev.lakeml.delta.Layer.SILVER) {
      for (PipelineSpec.Refined r : spec.dimensions()) {
        if (r.table().equals(table.name())) {
          r.columns().forEach((name, expr) -> docs.put(name, "Derived: " + expr + "."));
        }
      }
      if (spec.silver().table().equals(table.name())) {
        spec.silver().columns().forEach((name, expr) -> docs.put(name, "Derived: " + expr + "."));
      }
    }
    if (table.layer() == dev.lakeml.delta.Layer.SILVER && !table.name().endsWith("_quarantine")) {
      // Lineage that refine adds to every refined row (Refiner.LINEAGE).
      docs.put("_source_file", "File the row was refined from: a landed page (bronze's source_file), or the dimension's file.");
      docs.put("_page_sha256", "SHA-256 of that page as landed (bronze's page_sha256); null for a dimension file.");
      docs.put("_record_index", "Position of the record in its page (0-based); null for a dimension file.");
    }
    if (table.name().endsWith("_quarantine")) {
      // What Refiner and RowRules write for every rejected row, in silver and gold alike.
      docs.put("record_key", "The row's key (the spec's key column) as text; null when the record had none.");
      docs.put("reasons", "Every rule the row broke, with the value that broke it.");
      docs.put("rules_broken", "Names of the rules the row broke (what requeue --rule selects).");
      docs.put("payload", "The row as read, as JSON text: what to inspect, and what requeue checks again once the cause is fixed.");
      docs.put("source_file", "File the record came from (bronze's source_file or the dimension's file); null for a gold row.");
      docs.put("page_sha256", "SHA-256 of that page as landed; null for a dimension file or a gold row.");
      docs.put("record_index", "Position of the record in its page (0-based); null for a dimension file or a gold row.");
      docs.put("run_id", "lakeml run that quarantined the row (ops.runs.run_id).");
    }
    return docs;
  }
}
