package dev.lakeml.ingest.http;

import java.util.Optional;

/**
 * A pull that could not go on: a request was refused (4xx), or kept failing after every retry.
 *
 * <p>The message says what failed and what to do; it never holds the auth token. Pages landed
 * before the failure stay landed and in the manifest; {@link #partialResult()} lists them and
 * the cursor to resume from.
 */
public final class HttpSourceException extends RuntimeException {
  private final transient PullResult partialResult;

  HttpSourceException(String message, Throwable cause, PullResult partialResult) {
    super(message, cause);
    this.partialResult = partialResult;
  }

  HttpSourceException(String message) {
    this(message, null, null);
  }

  /** What was landed before the failure, with status {@link PullStatus#FAILED}, if a pull began. */
  public Optional<PullResult> partialResult() {
    return Optional.ofNullable(partialResult);
  }
}
