package dev.lakeml.jobs;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.lit;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.quality.QualityGate;
import dev.lakeml.refine.Refiner;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code requeue <table> [--rule R]}: after a fix (a key added to a dimension file, a rule relaxed in
 * the spec), re-applies the current spec and dimensions to the rows in the table's quarantine table
 * and moves the rows that now pass into the table, exactly once.
 *
 * <p>The quarantined rows are taken back from bronze at the version the table was refined from (by
 * source page and position), so they go through exactly the refine steps a full recompute would
 * apply; the dataset expectations are audited on the table as it would be with them. Two commits,
 * both Delta idempotent writes whose transaction version is the quarantine version read: the append
 * to the table, then the rewrite of the quarantine table without the moved rows. A crash between
 * them is repaired by the next call (the append is skipped, the rewrite done); a second call finds
 * nothing left that passes. The table's commit carries refine's lineage with the current dimension
 * versions and spec hash, so a later {@code refine} on the same bronze version is up to date, and
 * one that recomputes (new bronze, {@code --force}) yields the same rows.
 */
public final class RequeueJob implements Job {
  @Override
  public String name() {
    return "requeue";
  }

  @Override
  public String usage() {
    return "requeue <layer.table>   move quarantined rows that pass the current spec and dimensions into the table, once [--rule R]";
  }

  @Override
  public Set<String> options() {
    return Set.of("rule");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec.Refined spec = ctx.spec().silver();
    TableId silver = ctx.silver(spec.table());
    TableId quarantine = ctx.silver(spec.quarantineTable());
    String arg = ctx.option(ReplayJob.POSITIONAL, silver.toString());
    if (!TableId.parse(arg.trim()).equals(silver)) {
      throw Errors.usage(
          "Cannot requeue " + arg.trim() + ": only " + silver + " is refined from bronze record by record. Dimension tables are rebuilt from their"
              + " file by refine, and gold tables by features; fix the input and rerun those.");
    }
    Lakehouse lh = ctx.lakehouse();
    var last = lh.lastCommitInfo(silver, "source_version");
    if (last.isEmpty() || !lh.exists(quarantine)) {
      throw new LakemlException("Cannot requeue " + silver + ": it has not been refined yet. Run ./scripts/lakeml refine first.");
    }
    long bronzeVersion = Long.parseLong(String.valueOf(last.get().get("source_version")));

    // Dimensions first: a fixed dimension file is refined (and audited) as refine would.
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> rows = new LinkedHashMap<>();
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    StringBuilder summary = new StringBuilder();
    RefineJob refine = new RefineJob();
    for (PipelineSpec.Refined d : ctx.spec().dimensions()) {
      refine.refineDimension(ctx, d, dims, written, rows, summary);
    }

    long qVersion = lh.latestVersion(quarantine);
    Dataset<Row> held = lh.read(quarantine, qVersion);
    String rule = ctx.option("rule", null);
    Column chosen = rule == null ? lit(true) : array_contains(col("rules_broken"), rule).or(exists(col("reasons"), r -> r.startsWith(rule + ":")));
    Dataset<Row> picked = held.filter(chosen);
    // Back to the bronze records the quarantined rows were refined from: same page, same position.
    Dataset<Row> bronze = lh.read(ctx.bronze(), bronzeVersion);
    Dataset<Row> records =
        bronze.join(
            picked.select(col("source_file").as("_q_file"), col("record_index").as("_q_index")),
            bronze.col("source_file").eqNullSafe(col("_q_file")).and(bronze.col("record_index").eqNullSafe(col("_q_index"))),
            "left_semi");
    Refiner.Output out = Refiner.refine(Refiner.dedupe(Refiner.parseBronze(records, spec.recordSchema()), spec.key()), spec, dims);
    Dataset<Row> annotated = out.annotated().persist();
    try {
      Dataset<Row> passing = out.valid().persist();
      long moved = passing.count();
      String what = rule == null ? "" : " (rule " + rule + ")";
      if (moved == 0) {
        summary.append(String.format("%,d quarantined rows%s re-checked: none passes yet; %s v%d unchanged", picked.count(), what, quarantine, qVersion));
        return new StageResult(name(), StageResult.SUCCEEDED, RefineJob.secs(t0), written, rows, summary.toString());
      }
      Map<String, Object> lineage = new LinkedHashMap<>();
      lineage.put("run_id", ctx.runId());
      lineage.put("source_table", ctx.bronze().toString());
      lineage.put("source_version", bronzeVersion);
      lineage.put("spec_hash", JobContext.hash(spec));
      dims.forEach((k, v) -> lineage.put("dimension." + k, lh.latestVersion(ctx.silver(k))));
      lineage.put("requeued_from", quarantine + " v" + qVersion);
      lineage.put("requeued_rows", moved);

      long silverVersion = lh.latestVersion(silver);
      String from = quarantine + " v" + qVersion;
      // A previous call committed the append and stopped before the quarantine rewrite: finish it.
      boolean appended = lh.lastCommitInfo(silver, "requeued_from").map(m -> from.equals(m.get("requeued_from"))).orElse(false);
      Dataset<Row> whole = appended ? lh.read(silver, silverVersion) : lh.read(silver, silverVersion).unionByName(passing);
      QualityGate gate = RefineJob.gate(ctx);
      QualityGate.Verdict verdict = gate.audit(silver, annotated, whole, spec.expectations());
      if (verdict.blocked()) {
        gate.ledger().record(ctx.runId(), silver, bronzeVersion, null, null, verdict.outcomes(), verdict.metrics());
        StringBuilder details = new StringBuilder();
        verdict.outcomes().stream().filter(o -> o.blocking()).forEach(o -> details.append("\n  - ").append(o.check()).append(": ").append(o.message()));
        throw new LakemlException(
            "Cannot requeue into " + silver + ": with the " + moved + " rows that now pass, expectations with action 'fail' break, so nothing was moved"
                + details + "\nSee ops.quality_results; " + silver + " still shows version " + silverVersion + ".");
      }
      // Both writes are keyed by the quarantine version read: replayed after a crash, each is skipped once done.
      long v = appended ? silverVersion : lh.write(passing, silver, Lakehouse.Write.append().idempotent("lakeml.requeue." + silver, qVersion), lineage);
      // The quarantine without the re-checked rows, plus those still failing with their current reasons.
      Dataset<Row> recheckedKeys = annotated.select(col("_source_file").as("_m_file"), col("_record_index").as("_m_index"));
      Dataset<Row> remaining =
          held.join(recheckedKeys, held.col("source_file").eqNullSafe(col("_m_file")).and(held.col("record_index").eqNullSafe(col("_m_index"))), "left_anti")
              .unionByName(out.quarantine().withColumn("run_id", lit(ctx.runId())));
      long qv = lh.write(remaining, quarantine, Lakehouse.Write.overwrite().idempotent("lakeml.requeue." + quarantine, qVersion), lineage);
      long stillHeld = lh.read(quarantine, qv).count();
      gate.ledger().record(ctx.runId(), silver, bronzeVersion, v, v, verdict.outcomes(), verdict.metrics());
      written.put(silver.toString(), v);
      rows.put(silver.toString(), verdict.metrics().get("row_count").longValue());
      written.put(quarantine.toString(), qv);
      rows.put(quarantine.toString(), stillHeld);
      passing.unpersist();
      summary.append(
          String.format(
              "%,d of %,d quarantined rows%s now pass: moved to %s v%d (%,d rows); %,d stay in %s v%d",
              moved, picked.count(), what, silver, v, rows.get(silver.toString()), stillHeld, quarantine, qv));
      return new StageResult(name(), StageResult.SUCCEEDED, RefineJob.secs(t0), written, rows, summary.toString());
    } finally {
      annotated.unpersist();
    }
  }
}
