package dev.lakeml.ingest.http;

/** A failure {@link ReplayApiServer} can put into a response, as real APIs do. */
public enum FaultKind {
  /** 429 Too Many Requests with a {@code Retry-After: <seconds>} header. */
  RATE_LIMIT_429,
  /** 500 Internal Server Error with a small JSON error body. */
  SERVER_ERROR_500,
  /** The normal page, sent only after a delay (meant to be longer than the client's timeout). */
  SLOW,
  /** Status 200 and the first half of the normal page's JSON: the body ends mid-document. */
  TRUNCATED_BODY,
  /** An HTML error page (as a proxy or gateway sends) with status 200 or 502. */
  HTML_ERROR_PAGE,
  /**
   * Page P holds page P-1's records followed by its own, as an API whose data moves between
   * requests does: duplicates by id that a later stage must remove. No effect on page 1.
   */
  REPEAT_PREVIOUS_PAGE_RECORDS
}
