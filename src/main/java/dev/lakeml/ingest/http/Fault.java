package dev.lakeml.ingest.http;

import java.time.Duration;
import java.util.Objects;

/**
 * One injected failure: a kind and its parameters. Build with the factories; each kind uses only
 * its own parameter.
 *
 * @param kind what goes wrong
 * @param status the HTTP status of an {@link FaultKind#HTML_ERROR_PAGE} (200 or 502); for the
 *     others the status their kind implies
 * @param delay how long a {@link FaultKind#SLOW} response waits; zero for the others
 * @param retryAfterSeconds the {@code Retry-After} of a {@link FaultKind#RATE_LIMIT_429}; 0 for
 *     the others
 */
public record Fault(FaultKind kind, int status, Duration delay, int retryAfterSeconds) {

  public Fault {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(delay, "delay");
    if (kind == FaultKind.HTML_ERROR_PAGE && status != 200 && status != 502) {
      throw new IllegalArgumentException(
          "Cannot make an HTML_ERROR_PAGE fault: status must be 200 or 502, got " + status);
    }
    if (kind == FaultKind.SLOW && (delay.isNegative() || delay.isZero())) {
      throw new IllegalArgumentException(
          "Cannot make a SLOW fault: delay must be positive, got " + delay);
    }
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException(
          "Cannot make a " + kind + " fault: retry-after must be >= 0 seconds, got "
              + retryAfterSeconds);
    }
  }

  public static Fault rateLimit(int retryAfterSeconds) {
    return new Fault(FaultKind.RATE_LIMIT_429, 429, Duration.ZERO, retryAfterSeconds);
  }

  public static Fault serverError() {
    return new Fault(FaultKind.SERVER_ERROR_500, 500, Duration.ZERO, 0);
  }

  public static Fault slow(Duration delay) {
    return new Fault(FaultKind.SLOW, 200, delay, 0);
  }

  public static Fault truncatedBody() {
    return new Fault(FaultKind.TRUNCATED_BODY, 200, Duration.ZERO, 0);
  }

  /** An HTML page with status 200 (a misconfigured proxy) or 502 (a gateway error). */
  public static Fault htmlErrorPage(int status) {
    return new Fault(FaultKind.HTML_ERROR_PAGE, status, Duration.ZERO, 0);
  }

  public static Fault repeatPreviousPageRecords() {
    return new Fault(FaultKind.REPEAT_PREVIOUS_PAGE_RECORDS, 200, Duration.ZERO, 0);
  }
}
