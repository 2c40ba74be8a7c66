package dev.lakeml.ingest;

/** What the landing zone knows about a window, used to tell when a window is wholly in bronze. */
@FunctionalInterface
public interface LandingState {
  /**
   * Whether {@code window} was pulled to its last page and {@code committedPages} distinct page
   * files cover every page landed for it; null when the landing zone cannot tell (no manifest).
   */
  Boolean complete(String window, long committedPages);

  /** For landing folders without a manifest (source type files). */
  static LandingState unknown() {
    return (window, pages) -> null;
  }
}
