package dev.lakeml.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.TableId;
import dev.lakeml.ingest.IngestReconciliation;
import dev.lakeml.jobs.RunLedger;
import dev.lakeml.ml.ModelAliases;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.monitor.MonitorLedger;
import dev.lakeml.monitor.ReferenceStore;
import dev.lakeml.monitor.RetrainLedger;
import dev.lakeml.quality.QualityLedger;
import dev.lakeml.quality.TableProfiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ops tables' docs (catalog/ops.conf), shared by every pipeline; no Spark session needed. */
class OpsCatalogDocsTest {
  /** Every ops table, with the schema its writer creates it with; in name order. */
  private static final Map<TableId, StructType> OPS_TABLES =
      byName(
          Map.of(
              RunLedger.TABLE, RunLedger.SCHEMA,
              QualityLedger.TABLE, QualityLedger.SCHEMA,
              TableProfiles.TABLE, TableProfiles.SCHEMA,
              IngestReconciliation.TABLE, IngestReconciliation.SCHEMA,
              ModelRegistry.TABLE, ModelRegistry.SCHEMA,
              ModelAliases.TABLE, ModelAliases.SCHEMA,
              ReferenceStore.TABLE, ReferenceStore.SCHEMA,
              MonitorLedger.DRIFT, MonitorLedger.DRIFT_SCHEMA,
              MonitorLedger.PERFORMANCE, MonitorLedger.PERFORMANCE_SCHEMA,
              RetrainLedger.TABLE, RetrainLedger.SCHEMA));

  @ParameterizedTest
  @ValueSource(strings = {"flights", "weather"})
  void everyColumnOfEveryOpsTableHasAWrittenCommentWhateverThePipeline(String pipeline) {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), pipeline);
    CatalogDocs docs = CatalogDocs.forPipeline(spec);
    List<String> missing = new ArrayList<>();
    OPS_TABLES.forEach(
        (table, schema) -> {
          TableDoc doc = docs.doc(table, schema);
          if (doc.description().contains(CatalogDocs.UNDOCUMENTED)) {
            missing.add(table + " (description)");
          }
          doc.columns().forEach((column, comment) -> {
            if (comment.startsWith(CatalogDocs.UNDOCUMENTED)) {
              missing.add(table + "." + column);
            }
          });
        });
    assertEquals(List.of(), missing, "ops docs missing from " + CatalogDocs.OPS_RESOURCE + " for pipeline " + pipeline);
    OPS_TABLES.forEach(
        (table, schema) -> {
          TableDoc doc = docs.doc(table, schema);
          assertEquals("ml-platform", doc.owner(), table + ": owner");
          assertFalse(doc.refresh().equals("appended by pipeline runs"), table + ": default refresh");
          assertFalse(doc.source().equals("pipeline " + spec.name()), table + ": default source");
        });
  }

  @Test
  void opsConfDocumentsExactlyTheOpsTablesAndTheirColumns() {
    Config ops = ConfigFactory.parseResources(CatalogDocs.OPS_RESOURCE);
    Map<String, Config> tables = CatalogDocs.tables(ops, CatalogDocs.OPS_RESOURCE);
    assertEquals(names(OPS_TABLES.keySet()), new TreeSet<>(tables.keySet()), "tables in " + CatalogDocs.OPS_RESOURCE);
    OPS_TABLES.forEach(
        (table, schema) ->
            assertEquals(
                new TreeSet<>(Arrays.asList(schema.fieldNames())),
                new TreeSet<>(tables.get(table.toString()).getObject("columns").keySet()),
                "columns documented for " + table + " (a comment for a column that does not exist is stale)"));
  }

  @Test
  void aPipelineEntryOverridesTheOpsEntryKeyByKey() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    Map<String, Config> ops =
        CatalogDocs.tables(
            ConfigFactory.parseString(
                "tables { \"ops.runs\" { description = shared, owner = ml-platform, columns { run_id = \"Run id.\", status = \"Shared status.\" } } }"),
            CatalogDocs.OPS_RESOURCE);
    Map<String, Config> own =
        CatalogDocs.tables(
            ConfigFactory.parseString("tables { \"ops.runs\" { owner = flights-ops, columns { status = \"Flights status.\" } } }"), "catalog/flights.conf");
    StructType schema =
        new StructType().add("run_id", DataTypes.StringType).add("status", DataTypes.StringType).add("extra", DataTypes.StringType);
    TableDoc doc = CatalogDocs.merge(spec, own, ops).doc(RunLedger.TABLE, schema);
    assertEquals("flights-ops", doc.owner(), "the pipeline's key wins");
    assertEquals("shared", doc.description(), "keys the pipeline does not set come from ops.conf");
    assertEquals("Run id.", doc.columns().get("run_id"));
    assertEquals("Flights status.", doc.columns().get("status"));
    assertEquals(CatalogDocs.UNDOCUMENTED + "ops.conf", doc.columns().get("extra"), "an ops column without a comment points to ops.conf");
  }

  @Test
  void anUndocumentedOpsTablePointsToOpsConfAndOtherTablesToThePipelineFile() {
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "weather");
    CatalogDocs docs = CatalogDocs.merge(spec, Map.of(), Map.of());
    StructType schema = new StructType().add("x", DataTypes.StringType);
    assertEquals(CatalogDocs.UNDOCUMENTED + "ops.conf", docs.doc(TableId.parse("ops.new_ledger"), schema).columns().get("x"));
    assertTrue(docs.doc(TableId.parse("ops.new_ledger"), schema).description().endsWith(CatalogDocs.UNDOCUMENTED + "ops.conf"));
    assertEquals(CatalogDocs.UNDOCUMENTED + "weather.conf", docs.doc(TableId.parse("silver.other"), schema).columns().get("x"));
  }

  @Test
  void errorsInOpsConfNameOpsConf() {
    LakemlException unknown =
        assertThrows(
            LakemlException.class,
            () -> CatalogDocs.tables(ConfigFactory.parseString("tables { \"ops.runs\" { ownr = a } }"), CatalogDocs.OPS_RESOURCE));
    assertTrue(unknown.getMessage().startsWith("Cannot load catalog/ops.conf: unknown key 'ownr' in table ops.runs."), unknown.getMessage());
    LakemlException notAnObject =
        assertThrows(LakemlException.class, () -> CatalogDocs.tables(ConfigFactory.parseString("tables { \"ops.runs\" = 1 }"), CatalogDocs.OPS_RESOURCE));
    assertTrue(notAnObject.getMessage().startsWith("Cannot load catalog/ops.conf: "), notAnObject.getMessage());
    LakemlException badName =
        assertThrows(LakemlException.class, () -> CatalogDocs.tables(ConfigFactory.parseString("tables { \"opz.runs\" {} }"), CatalogDocs.OPS_RESOURCE));
    assertTrue(badName.getMessage().startsWith("Cannot load catalog/ops.conf: Cannot use table 'opz.runs'"), badName.getMessage());
    PipelineSpec spec = PipelineSpec.load(TestSpark.projectDir(), "flights");
    Map<String, Config> gold = CatalogDocs.tables(ConfigFactory.parseString("tables { \"gold.x\" { owner = a } }"), CatalogDocs.OPS_RESOURCE);
    LakemlException notOps = assertThrows(LakemlException.class, () -> CatalogDocs.merge(spec, Map.of(), gold));
    assertEquals("Cannot load catalog/ops.conf: table gold.x is not an ops table. Document it in catalog/flights.conf instead.", notOps.getMessage());
  }

  private static Map<TableId, StructType> byName(Map<TableId, StructType> tables) {
    Map<TableId, StructType> sorted = new TreeMap<>(Comparator.comparing(TableId::toString));
    sorted.putAll(tables);
    return Collections.unmodifiableMap(sorted);
  }

  private static Set<String> names(Set<TableId> ids) {
    Set<String> out = new TreeSet<>();
    ids.forEach(id -> out.add(id.toString()));
    return out;
  }
}
