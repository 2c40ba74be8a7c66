package dev.lakeml.ingest.http;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one pull of one window landed.
 *
 * @param source the source's name
 * @param window the day pulled
 * @param status how the pull ended
 * @param pages the pages landed by this pull, in order
 * @param resumeFrom where a next pull of this window should start; empty when {@code COMPLETE}
 */
public record PullResult(
    String source,
    LocalDate window,
    PullStatus status,
    List<LandedPage> pages,
    Optional<PageCursor> resumeFrom) {

  public PullResult {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(status, "status");
    pages = List.copyOf(pages);
    resumeFrom = Objects.requireNonNullElse(resumeFrom, Optional.empty());
    if ((status == PullStatus.COMPLETE) == resumeFrom.isPresent()) {
      throw new IllegalArgumentException(
          "Cannot describe pull of " + window + ": a pull has a resume point exactly when it is"
              + " not complete, got " + status + " and " + resumeFrom);
    }
  }

  /** The number of the last page this pull landed, or 0 if it landed none. */
  public int lastPage() {
    return pages.isEmpty() ? 0 : pages.get(pages.size() - 1).pageNumber();
  }

  /** The records in this pull's valid pages, repeats included. */
  public long recordCount() {
    return pages.stream().mapToLong(LandedPage::recordCount).sum();
  }
}
