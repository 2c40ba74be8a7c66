package dev.lakeml.jobs;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.lakehouse.TableId;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Silver to the gold feature table at a pinned silver version, checked before it is committed. */
public final class FeaturesJob implements Job {
  @Override
  public String name() {
    return "features";
  }

  @Override
  public String usage() {
    return "features                silver -> gold feature table (point-in-time trailing aggregates)";
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec.Features spec = ctx.spec().gold();
    TableId silver = ctx.silver(ctx.spec().silver().table());
    TableId gold = ctx.gold(spec.table());
    long silverVersion = ctx.lakehouse().latestVersion(silver);
    Map<String, Object> lineage = new LinkedHashMap<>();
    lineage.put("run_id", ctx.runId());
    lineage.put("source_table", silver.toString());
    lineage.put("source_version", silverVersion);
    lineage.put("spec_hash", JobContext.hash(spec));
    if (RefineJob.upToDate(ctx.lakehouse(), gold, lineage) && !ctx.flag("force")) {
      return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), gold + " up to date with " + silver + " v" + silverVersion);
    }
    Dataset<Row> features =
        PointInTimeFeatures.build(ctx.lakehouse().read(silver, silverVersion), ctx.spec().silver().key(), spec).persist();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    Dataset<Row> none = features.limit(0).selectExpr("CAST(NULL AS STRING) AS record_key", "CAST(array() AS ARRAY<STRING>) AS reasons");
    RefineJob.commit(ctx, gold, TableId.of(gold.layer(), spec.table() + "_quarantine"), features, none, spec.checks(), silverVersion, lineage, written, rows);
    features.unpersist();
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        Map.of(gold.toString(), written.get(gold.toString())),
        Map.of(gold.toString(), rows.get(gold.toString())),
        String.format("%,d rows from %s v%d -> %s v%d", rows.get(gold.toString()), silver, silverVersion, gold, written.get(gold.toString())));
  }
}
