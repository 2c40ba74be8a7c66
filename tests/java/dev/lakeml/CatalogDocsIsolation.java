package dev.lakeml;

import dev.lakeml.catalog.AnalystCatalog;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every test class starts in a session that documents nothing it writes. The test JVM shares one
 * SparkSession ({@link TestSpark}), and a class that turns the catalog's docs on (
 * {@link AnalystCatalog#publish}, {@link AnalystCatalog#activate}, or the launcher run in-process)
 * would otherwise leave them on for the classes after it, whose tables then get docs commits their
 * version counts do not expect: a failure that depends on the order the classes run in. Registered
 * for every class through {@code META-INF/services} ({@code junit-platform.properties} turns that on).
 */
public final class CatalogDocsIsolation implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    TestSpark.started().ifPresent(AnalystCatalog::forget); // no session yet: nothing to forget, none started for it
  }
}
