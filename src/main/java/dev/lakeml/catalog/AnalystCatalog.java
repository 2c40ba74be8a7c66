package dev.lakeml.catalog;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.lakehouse.Lakehouse;
import dev.lakeml.lakehouse.TableId;
import java.util.List;

/**
 * What analysts find in the catalog once the tables are registered: docs on every table and column,
 * and the curated views. Called by the launcher after {@link Lakehouse#registerAll()}.
 */
public final class AnalystCatalog {
  private AnalystCatalog() {}

  /** Documents {@code tables} (committing only changed docs) and creates the curated views. */
  public static List<TableId> publish(Lakehouse lakehouse, PipelineSpec spec, List<TableId> tables) {
    try {
      CatalogDocs.forPipeline(spec).apply(lakehouse, tables);
    } catch (RuntimeException e) { // e.g. a concurrent writer: docs are retried next session, the command goes on
      System.err.println("lakeml: warning: could not update the catalog docs: " + firstLine(e));
    }
    return CuratedViews.create(lakehouse, spec);
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
    var lakehouse = new Lakehouse(dev.lakeml.lakehouse.Sessions.create(settings, "lakeml notebook " + pipeline), settings.root());
    publish(lakehouse, spec, lakehouse.registerAll());
    return lakehouse;
  }
}
