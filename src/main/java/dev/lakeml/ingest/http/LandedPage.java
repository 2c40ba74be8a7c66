package dev.lakeml.ingest.http;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One response body saved unchanged in the landing directory: one row of the landing manifest.
 *
 * @param source the source's name
 * @param window the day pulled
 * @param pageNumber the page's number in its window, from 1
 * @param url the URL requested, with no secret in it
 * @param statusCode the HTTP status of the response that was landed
 * @param attempts how many requests this page took, the landed one included
 * @param headers the response's {@code content-type}, {@code retry-after} and {@code date}
 *     headers that were present, by lower-case name
 * @param fetchedAt when the landed response's request was sent (UTC)
 * @param byteSize the body's size in bytes
 * @param sha256 the body's SHA-256, lower-case hex
 * @param landingPath the body's file, relative to the landing directory: {@code
 *     <yyyy-MM-dd>/<sha256>.json}
 * @param valid whether the body is a JSON object with a records array
 * @param invalidReason why the body is not valid; empty when valid
 * @param recordCount the number of records in the body; 0 when not valid
 * @param next the page after this one; empty when this is the window's last page or not valid
 */
public record LandedPage(
    String source,
    LocalDate window,
    int pageNumber,
    String url,
    int statusCode,
    int attempts,
    Map<String, String> headers,
    Instant fetchedAt,
    long byteSize,
    String sha256,
    Path landingPath,
    boolean valid,
    Optional<String> invalidReason,
    int recordCount,
    Optional<PageCursor> next) {

  public LandedPage {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(fetchedAt, "fetchedAt");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(landingPath, "landingPath");
    headers = Collections.unmodifiableMap(new TreeMap<>(headers));
    invalidReason = Objects.requireNonNullElse(invalidReason, Optional.empty());
    next = Objects.requireNonNullElse(next, Optional.empty());
    if (valid == invalidReason.isPresent()) {
      throw new IllegalArgumentException(
          "Cannot describe landed page "
              + pageNumber
              + ": a page has a reason exactly when it is not valid, got valid="
              + valid
              + " and reason "
              + invalidReason);
    }
  }
}
