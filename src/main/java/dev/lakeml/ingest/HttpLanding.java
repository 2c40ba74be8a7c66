package dev.lakeml.ingest;

import dev.lakeml.ingest.http.HttpPageSource;
import dev.lakeml.ingest.http.HttpSourceException;
import dev.lakeml.ingest.http.LandedPage;
import dev.lakeml.ingest.http.LandingManifest;
import dev.lakeml.ingest.http.PageCursor;
import dev.lakeml.ingest.http.PullResult;
import dev.lakeml.ingest.http.PullStatus;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pulls the windows of an HTTP source that bronze does not yet hold into the landing folder, and
 * answers, from the landing manifests, whether a window is wholly in bronze.
 *
 * <p>Which windows are pulled, and from where: a window the committed {@link PullCursor} marks
 * complete is skipped (unless re-pulled on purpose by a backfill); otherwise the pull resumes where
 * the window's manifest says ({@link LandingManifest#resumePoint}), so pages landed before a crash
 * are not fetched again, and a window whose pages all landed is left to the bronze step.
 */
public final class HttpLanding implements LandingState {
  /** What a round of pulls did. */
  public record Pulls(List<PullResult> results, List<LocalDate> skipped, List<LocalDate> alreadyLanded, Optional<String> failure) {
    public long pages() {
      return results.stream().mapToLong(r -> r.pages().size()).sum();
    }

    /** Windows whose pull ended short of their last page (max_pages, a page that stayed invalid). */
    public List<PullResult> unfinished() {
      return results.stream().filter(r -> r.status() != PullStatus.COMPLETE).toList();
    }
  }

  private final HttpPageSource source;
  private final Path landingDir;
  private final LandingManifest manifest;

  public HttpLanding(HttpPageSource source, Path landingDir) {
    this.source = source;
    this.landingDir = landingDir;
    this.manifest = LandingManifest.at(landingDir);
  }

  public Path landingDir() {
    return landingDir;
  }

  /**
   * Pulls every day from {@code from} to {@code to} (inclusive) that is due. With {@code repull},
   * every day is pulled again from its first page (backfill): unchanged pages land under the same
   * content hash and are not ingested twice. Stops at the first failed pull and reports it; what
   * landed before stays landed.
   */
  public Pulls pull(LocalDate from, LocalDate to, PullCursor committed, boolean repull) {
    List<PullResult> results = new ArrayList<>();
    List<LocalDate> skipped = new ArrayList<>();
    List<LocalDate> landed = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      if (!repull && committed.complete(day.toString())) {
        skipped.add(day);
        continue;
      }
      Optional<PageCursor> start = repull ? Optional.of(PageCursor.first()) : manifest.resumePoint(day);
      if (start.isEmpty()) {
        landed.add(day); // every page landed before a crash; the bronze step takes them
        continue;
      }
      try {
        results.add(source.pull(day, landingDir, start.get()));
      } catch (HttpSourceException e) {
        e.partialResult().ifPresent(results::add);
        return new Pulls(results, skipped, landed, Optional.of(e.getMessage()));
      }
    }
    return new Pulls(results, skipped, landed, Optional.empty());
  }

  @Override
  public Boolean complete(String window, long committedPages) {
    LocalDate day;
    try {
      day = LocalDate.parse(window);
    } catch (RuntimeException e) {
      return false;
    }
    if (manifest.resumePoint(day).isPresent()) {
      return false;
    }
    return committedPages >= landedPages(day).size();
  }

  /** The distinct page files landed for a day, by content hash. */
  public Set<String> landedPages(LocalDate day) {
    Set<String> hashes = new HashSet<>();
    for (LandedPage p : manifest.read(day)) {
      hashes.add(p.sha256());
    }
    return hashes;
  }
}
