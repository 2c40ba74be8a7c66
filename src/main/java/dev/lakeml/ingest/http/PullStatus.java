package dev.lakeml.ingest.http;

/** How a pull of one window ended. */
public enum PullStatus {
  /** Every page of the window was landed and the last one said there is no next page. */
  COMPLETE,
  /** The pull stopped after {@code max_pages} pages; resume from {@link PullResult#resumeFrom()}. */
  MAX_PAGES_REACHED,
  /**
   * A page's body was still not a valid page after every retry (truncated JSON, an HTML error
   * page, no records array). It was landed anyway and marked invalid; paging stopped there, and
   * {@link PullResult#resumeFrom()} points at that page.
   */
  STOPPED_ON_INVALID_PAGE,
  /**
   * A request was refused or kept failing; only in {@link HttpSourceException#partialResult()}.
   */
  FAILED
}
