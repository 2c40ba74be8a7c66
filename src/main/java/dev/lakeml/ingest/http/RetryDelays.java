package dev.lakeml.ingest.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before a retry: the server's {@code Retry-After} when it sent one and the spec
 * honours it (capped at {@code retry.retry_after_max}), otherwise exponential backoff with full
 * jitter (uniform in {@code [0, min(max, base * 2^(retry-1))]}), which spreads retries of many
 * clients apart.
 */
final class RetryDelays {
  private final Duration base;
  private final Duration max;
  private final boolean honourRetryAfter;
  private final Duration retryAfterMax;

  RetryDelays(HttpSourceSpec spec) {
    this.base = spec.backoffBase();
    this.max = spec.backoffMax();
    this.honourRetryAfter = spec.honourRetryAfter();
    this.retryAfterMax = spec.retryAfterMax();
  }

  /**
   * The wait before retry number {@code retry} (from 1).
   *
   * @param retryAfter the response's Retry-After header, if any
   */
  Duration before(int retry, Optional<String> retryAfter, Instant now) {
    if (honourRetryAfter) {
      Optional<Duration> asked = retryAfter.flatMap(v -> parseRetryAfter(v, now));
      if (asked.isPresent()) {
        Duration d = asked.get();
        return d.compareTo(retryAfterMax) > 0 ? retryAfterMax : d;
      }
    }
    long capMillis = max.toMillis();
    long baseMillis = base.toMillis();
    int doublings = Math.min(retry - 1, 30);
    if (baseMillis <= (capMillis >> doublings)) {
      capMillis = baseMillis << doublings;
    }
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(capMillis + 1));
  }

  /** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
  static Optional<Duration> parseRetryAfter(String value, Instant now) {
    String v = value.trim();
    if (v.matches("\\d{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
