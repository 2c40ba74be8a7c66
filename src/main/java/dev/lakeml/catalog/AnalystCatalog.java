package dev.lakeml.catalog;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.util.List;

/**
 * What analysts find in the catalog once the tables are registered: docs on every table and column,
 * and the curated views. Called by the launcher after {@link Lakehouse#registerAll()}.
 */
public final class AnalystCatalog {
  /** The docs published per session, so writes during the session keep their tables documented. */
  private static final java.util.Map<org.apache.spark.sql.SparkSession, CatalogDocs> ACTIVE =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private AnalystCatalog() {}

  /** Documents {@code tables} (committing only changed docs) and creates the curated views. */
  public static List<TableId> publish(Lakehouse lakehouse, PipelineSpec spec, List<TableId> tables) {
    CatalogDocs docs = activate(lakehouse, spec);
    try {
      docs.apply(lakehouse, tables);
    } catch (RuntimeException e) { // e.g. a concurrent writer: docs are retried next session, the command goes on
      System.err.println("lakeml: warning: could not update the catalog docs: " + firstLine(e));
    }
    return CuratedViews.create(lakehouse, spec);
  }

  /**
   * Documents the tables this session writes, as it writes them ({@link #documentAfterWrite}),
   * without touching the others or creating views: what the launcher does for jobs.
   */
  public static CatalogDocs activate(Lakehouse lakehouse, PipelineSpec spec) {
    CatalogDocs docs = CatalogDocs.forPipeline(spec);
    ACTIVE.put(lakehouse.spark(), docs);
    return docs;
  }

  /**
   * Re-applies the docs right after a job wrote {@code table} (called from {@link Lakehouse#register}).
   * Why here and not only at session start: an overwrite replaces the schema and drops the column
   * comments, and a docs commit made at the next session start would be a new version that downstream
   * jobs see as changed input, so they would recompute (and retrain) on every run. Documenting right
   * after the write means downstream jobs record the documented version and nothing churns. No-op in
   * sessions where {@link #publish} was not called (e.g. other tests).
   */
  public static void documentAfterWrite(Lakehouse lakehouse, TableId table) {
    CatalogDocs docs = ACTIVE.get(lakehouse.spark());
    if (docs == null) {
      return;
    }
    try {
      docs.apply(lakehouse, List.of(table));
    } catch (RuntimeException e) {
      System.err.println("lakeml: warning: could not update the catalog docs of " + table + ": " + firstLine(e));
    }
  }

  /**
   * The doc of {@code table}, about to be written with {@code schema} (created, or overwritten with
   * that schema), when this session documents the tables it writes; empty otherwise.
   * {@link Lakehouse#write} then writes the docs with the data, in the same commit, and
   * {@link #documentAfterWrite} finds nothing left to commit.
   */
  public static java.util.Optional<TableDoc> docFor(Lakehouse lakehouse, TableId table, org.apache.spark.sql.types.StructType schema) {
    CatalogDocs docs = ACTIVE.get(lakehouse.spark());
    return docs == null ? java.util.Optional.empty() : java.util.Optional.of(docs.doc(table, schema));
  }

  /** Stops documenting tables written in this session (tests). */
  public static void forget(org.apache.spark.sql.SparkSession spark) {
    ACTIVE.remove(spark);
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * A ready lakehouse for notebooks and other in-process clients: a session built from
   * {@code conf/<env>.conf}, every table registered and documented, views created.
   */
  public static Lakehouse open(String projectDir, String env, String root, String pipeline) {
    var dir = java.nio.file.Path.of(projectDir);
    var settings = dev.lakeml.config.Settings.load(dir, env, root, java.util.Map.of());
    var spec = PipelineSpec.load(dir, pipeline);
    var lakehouse = new Lakehouse(dev.lakeml.delta.Sessions.create(settings, "lakeml notebook " + pipeline), settings.root());
    publish(lakehouse, spec, lakehouse.registerAll());
    return lakehouse;
  }
}
