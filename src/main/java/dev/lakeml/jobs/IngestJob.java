package dev.lakeml.jobs;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.BronzeIngest;
import dev.lakeml.ingest.HttpLanding;
import dev.lakeml.ingest.LandingState;
import dev.lakeml.ingest.PausePoints;
import dev.lakeml.ingest.PullCursor;
import dev.lakeml.ingest.http.HttpPageSource;
import dev.lakeml.ingest.http.PullResult;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Raw pages to bronze: for an HTTP source, first pull every due day into the landing folder; then
 * every record of every new landing page to bronze, exactly once, with its provenance, the pull
 * cursor and the run's reconciliation committed with the data. As {@code backfill --from --to},
 * re-pulls past days of an HTTP source (idempotent: unchanged pages are not ingested twice).
 */
public final class IngestJob implements Job {
  private final boolean backfill;

  public IngestJob() {
    this(false);
  }

  private IngestJob(boolean backfill) {
    this.backfill = backfill;
  }

  /** The {@code backfill} command: re-pull days {@code --from} to {@code --to} of an HTTP source. */
  public static IngestJob backfill() {
    return new IngestJob(true);
  }

  @Override
  public String name() {
    return backfill ? "backfill" : "ingest";
  }

  @Override
  public String usage() {
    return backfill
        ? "backfill --from D --to D re-pull days D..D (yyyy-MM-dd) of an HTTP source -> bronze, idempotent"
        : "ingest                  pull due days (http) -> landing -> bronze, exactly once [--follow [--interval-ms N]]";
  }

  @Override
  public Set<String> options() {
    return backfill ? Set.of("from", "to") : Set.of("follow", "interval-ms");
  }

  @Override
  public StageResult run(JobContext ctx) {
    long t0 = System.nanoTime();
    PipelineSpec.Source source = ctx.spec().source();
    long follow = followMillis(ctx);
    String glob;
    LandingState landingState = LandingState.unknown();
    HttpLanding.Pulls pulls = null;
    HttpLanding landing = null;
    LocalDate from = null;
    LocalDate to = null;
    if (source.type() == PipelineSpec.SourceType.HTTP) {
      PipelineSpec.HttpPull http = source.http();
      from = backfill ? date(ctx, "from") : http.from();
      to = backfill ? date(ctx, "to") : http.lastWindow(LocalDate.now(ZoneOffset.UTC));
      if (to.isBefore(from)) {
        throw Errors.usage("Cannot " + name() + " " + source.name() + ": --to " + to + " is before --from " + from + ".");
      }
      landing = new HttpLanding(new HttpPageSource(http.spec()), landingDir(ctx, source));
      PullCursor committed = BronzeIngest.committedCursor(ctx.lakehouse(), ctx.bronze(), source.name());
      pulls = landing.pull(from, to, committed, backfill);
      ctx.say(String.format("[%-8s] pulled %,d pages of %d days (%d already in bronze, %d landed before)%s",
          name(), pulls.pages(), pulls.results().size(), pulls.skipped().size(), pulls.alreadyLanded().size(),
          pulls.failure().isPresent() ? "; a pull FAILED, ingesting what landed" : ""));
      landingState = landing;
      glob = landing.landingDir() + "/*/*.json";
    } else if (backfill) {
      throw Errors.usage("Cannot backfill " + source.name() + ": backfill re-pulls days from an HTTP source, and this source is type = files."
          + " Put the files in " + source.path() + " and run ingest.");
    } else {
      glob = ctx.resolvePath(source.path()) + "/*/*.json";
    }
    PausePoints.reach("landed");

    BronzeIngest.Result r =
        new BronzeIngest(ctx.lakehouse())
            .run(new BronzeIngest.Request(ctx.runId(), glob, source.name(), source.recordsField(), source.idField(), ctx.bronze(), landingState, follow));
    double secs = (System.nanoTime() - t0) / 1e9;

    List<String> notes = new ArrayList<>();
    if (landing != null) {
      checkNothingLeftBehind(landing, r.cursor(), from, to, source.name());
      for (PullResult p : pulls.unfinished()) {
        notes.add(p.window() + " stopped at page " + p.resumeFrom().map(c -> c.page()).orElse(0) + " (" + p.status().name().toLowerCase() + ")");
      }
      if (pulls.failure().isPresent()) {
        throw new LakemlException("Cannot pull all of " + source.name() + ": " + pulls.failure().get()
            + " The pages landed before the failure are in bronze (" + r.records() + " records this run); rerun "
            + name() + " to resume from the failed page.");
      }
    }
    String incomplete = notes.isEmpty() ? "" : "; incomplete, rerun to resume: " + String.join(", ", notes);
    if (r.versions().isEmpty()) {
      return new StageResult(name(), StageResult.SKIPPED, secs, Map.of(), Map.of(), "no new pages in " + glob + incomplete);
    }
    long last = r.versions().get(r.versions().size() - 1);
    return new StageResult(
        name(),
        StageResult.SUCCEEDED,
        secs,
        Map.of(ctx.bronze().toString(), last),
        Map.of(ctx.bronze().toString(), r.records()),
        String.format("%,d rows (%,d corrupt, kept) -> %s v%d; reconciled in ops.ingest_reconciliation%s",
            r.records(), r.corrupt(), ctx.bronze(), last, incomplete));
  }

  /** Every day whose pages all landed must now be wholly in bronze: a loud failure otherwise. */
  private static void checkNothingLeftBehind(HttpLanding landing, PullCursor cursor, LocalDate from, LocalDate to, String source) {
    List<String> missing = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      long landed = landing.landedPages(day).size();
      long inBronze = cursor.pages(day.toString());
      if (inBronze < landed) {
        missing.add(day + " (" + (landed - inBronze) + " of " + landed + " pages)");
      }
    }
    if (!missing.isEmpty()) {
      throw new LakemlException("Cannot finish ingest of " + source + ": landed pages are not in bronze for "
          + String.join(", ", missing.subList(0, Math.min(5, missing.size()))) + (missing.size() > 5 ? " and more" : "")
          + ". They stay in " + landing.landingDir() + "; rerun ingest, and if they are still missing, check the streaming checkpoint under _checkpoints.");
    }
  }

  private static Path landingDir(JobContext ctx, PipelineSpec.Source source) {
    String dir = source.path() != null ? ctx.resolvePath(source.path()) : ctx.lakehouse().area("landing") + "/" + source.name();
    if (dir.startsWith("file:")) {
      return createDirectories(Path.of(URI.create(dir)));
    }
    if (dir.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      throw new LakemlException("Cannot pull " + source.name() + " into " + dir
          + ": HTTP pulls land on a local file system. Set source.path in " + ctx.spec().file() + " to a local landing folder.", null, 2);
    }
    return createDirectories(Path.of(dir).toAbsolutePath());
  }

  private static Path createDirectories(Path dir) {
    try {
      return java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new LakemlException("Cannot create the landing folder " + dir + ": " + e.getMessage() + ". Check that it is writable.", e);
    }
  }

  private long followMillis(JobContext ctx) {
    if (!ctx.flag("follow")) {
      return 0;
    }
    try {
      long ms = Long.parseLong(ctx.option("interval-ms", "5000"));
      if (ms < 100) {
        throw new NumberFormatException();
      }
      return ms;
    } catch (NumberFormatException e) {
      throw Errors.usage("Cannot follow the landing folder: --interval-ms must be a whole number of milliseconds >= 100, got '"
          + ctx.option("interval-ms", "") + "'.");
    }
  }

  private LocalDate date(JobContext ctx, String option) {
    String raw = ctx.option(option, null);
    if (raw == null) {
      throw Errors.usage("Cannot " + name() + ": --" + option + " is required (a day, yyyy-MM-dd).");
    }
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw Errors.usage("Cannot " + name() + ": --" + option + " must be a day yyyy-MM-dd, got '" + raw + "'.");
    }
  }
}
