package dev.lakeml.jobs;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.delta.TableId;
import dev.lakeml.quality.QualityGate;
import dev.lakeml.quality.RowRules;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Silver to the gold feature table at a pinned silver version, by write-audit-publish: the
 * candidate version is written to the candidates table, audited, and published only if it passed.
 */
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
    if (RefineJob.upToDateAndAudited(ctx, gold, lineage) && !ctx.flag("force")) {
      if (spec.profile()) {
        RefineJob.profileIfMissing(ctx, gold);
      }
      return new StageResult(name(), StageResult.SKIPPED, RefineJob.secs(t0), Map.of(), Map.of(), gold + " up to date with " + silver + " v" + silverVersion);
    }
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    for (PipelineSpec.Refined d : ctx.spec().dimensions()) {
      dims.put(d.table(), ctx.lakehouse().read(ctx.silver(d.table())));
    }
    String key = ctx.spec().silver().key();
    Dataset<Row> features = PointInTimeFeatures.build(ctx.lakehouse().read(silver, silverVersion), key, spec);
    Dataset<Row> annotated = RowRules.annotate(features, spec.expectations(), dims).persist();
    QualityGate.Committed c;
    try {
      c =
          RefineJob.gate(ctx)
              .writeAuditPublish(
                  gold,
                  ctx.gold(spec.candidatesTable()),
                  ctx.gold(spec.quarantineTable()),
                  annotated,
                  RowRules.valid(annotated),
                  RowRules.quarantine(annotated, key),
                  spec.expectations(),
                  silverVersion,
                  lineage);
    } finally {
      annotated.unpersist();
    }
    double profiled = spec.profile() ? RefineJob.profile(ctx, gold, c.version()) : 0;
    // Once per run, after the last audited table: keep the ledger from growing forever.
    long dropped = RefineJob.gate(ctx).ledger().retain();
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    written.put(gold.toString(), c.version());
    rows.put(gold.toString(), c.rows());
    written.put(ctx.gold(spec.quarantineTable()).toString(), c.quarantineVersion());
    rows.put(ctx.gold(spec.quarantineTable()).toString(), c.quarantined());
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        RefineJob.secs(t0),
        written,
        rows,
        String.format(
            "%,d rows from %s v%d -> audited %s v%d -> published %s v%d, %,d quarantined%s; %,d old ledger rows dropped",
            c.rows(), silver, silverVersion, ctx.gold(spec.candidatesTable()), c.candidateVersion(), gold, c.version(), c.quarantined(), spec.profile() ? String.format("; profiled in %.1fs", profiled) : "", dropped));
  }
}
