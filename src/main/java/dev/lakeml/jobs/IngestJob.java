package dev.lakeml.jobs;

import dev.lakeml.ingest.BronzeIngest;
import java.util.Map;

/** Landing pages to bronze: every record of every new page, exactly once, with its provenance. */
public final class IngestJob implements Job {
  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public String usage() {
    return "ingest                  landing pages -> bronze, exactly once [--follow [--interval-ms N]]";
  }

  @Override
  public java.util.Set<String> options() {
    return java.util.Set.of("follow", "interval-ms");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    var source = ctx.spec().source();
    String glob = ctx.resolvePath(source.path()) + "/*/*.json";
    long follow = ctx.flag("follow") ? Long.parseLong(ctx.option("interval-ms", "5000")) : 0;
    BronzeIngest.Result r =
        new BronzeIngest(ctx.lakehouse())
            .run(glob, source.name(), source.recordsField(), source.idField(), ctx.bronze(), Map.of("run_id", ctx.runId()), follow);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (r.versions().isEmpty()) {
      return new StageResult(name(), StageResult.SKIPPED, secs, Map.of(), Map.of(), "no new pages in " + glob);
    }
    long last = r.versions().get(r.versions().size() - 1);
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        secs,
        Map.of(ctx.bronze().toString(), last),
        Map.of(ctx.bronze().toString(), r.records()),
        String.format("%,d records (%,d corrupt, kept) -> %s v%d", r.records(), r.corrupt(), ctx.bronze(), last));
  }
}
