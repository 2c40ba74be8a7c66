package dev.lakeml.ingest.http;

/**
 * Keeps request starts at least {@code 1 / requestsPerSecond} apart, retries included. Spacing
 * rather than a bucket with a burst: an API that states a rate limit rarely tolerates bursts.
 */
final class RequestSpacing {
  private final long intervalNanos;
  private long nextSlot = Long.MIN_VALUE;

  RequestSpacing(double requestsPerSecond) {
    this.intervalNanos = requestsPerSecond == 0 ? 0 : (long) (1_000_000_000L / requestsPerSecond);
  }

  /** Blocks until the next request may start. */
  synchronized void acquire() throws InterruptedException {
    if (intervalNanos == 0) {
      return;
    }
    long now = System.nanoTime();
    long start = nextSlot == Long.MIN_VALUE || now - nextSlot >= 0 ? now : nextSlot;
    long waitNanos = start - now;
    if (waitNanos > 0) {
      Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
    }
    nextSlot = start + intervalNanos;
  }
}
