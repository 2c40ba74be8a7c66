package dev.lakeml.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryDelaysTest {
  private static final Instant NOW = Instant.parse("2015-10-21T07:28:00Z");

  private static HttpSourceSpec.Builder spec() {
    return HttpSourceSpec.builder("flights_api")
        .baseUrl("http://127.0.0.1:1")
        .path("/v1/flights")
        .windowParam("date")
        .pagination(Pagination.pageNumber("page"))
        .backoff(Duration.ofMillis(100), Duration.ofMillis(1000))
        .retryAfterMax(Duration.ofSeconds(60));
  }

  @Test
  void retryAfterInSecondsOrAsHttpDate() {
    assertEquals(Optional.of(Duration.ofSeconds(7)), RetryDelays.parseRetryAfter(" 7 ", NOW));
    assertEquals(Optional.of(Duration.ofSeconds(90)),
        RetryDelays.parseRetryAfter("Wed, 21 Oct 2015 07:29:30 GMT", NOW));
    assertEquals(Optional.of(Duration.ZERO),
        RetryDelays.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", NOW));
    assertEquals(Optional.empty(), RetryDelays.parseRetryAfter("soon", NOW));
  }

  @Test
  void retryAfterIsCappedAndWinsOverBackoff() {
    RetryDelays delays = new RetryDelays(spec().build());

    assertEquals(Duration.ofSeconds(3), delays.before(1, Optional.of("3"), NOW));
    assertEquals(Duration.ofSeconds(60), delays.before(1, Optional.of("3600"), NOW));
  }

  @Test
  void backoffIsFullJitterUnderADoublingCap() {
    RetryDelays delays = new RetryDelays(spec().honourRetryAfter(false).build());

    long[] caps = {100, 200, 400, 800, 1000, 1000};
    for (int retry = 1; retry <= caps.length; retry++) {
      long max = 0;
      for (int i = 0; i < 300; i++) {
        long millis = delays.before(retry, Optional.of("3"), NOW).toMillis();
        assertTrue(millis >= 0 && millis <= caps[retry - 1], retry + ": " + millis);
        max = Math.max(max, millis);
      }
      assertTrue(max > caps[retry - 1] / 2, "spread up to the cap, retry " + retry);
    }
    assertTrue(delays.before(40, Optional.empty(), NOW).toMillis() <= 1000);
  }
}
