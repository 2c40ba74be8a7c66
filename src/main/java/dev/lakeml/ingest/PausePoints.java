package dev.lakeml.ingest;

import java.io.Serializable;

/**
 * Named points where ingest stops for good when {@code LAKEML_PAUSE_AT} names them, so crash tests
 * can SIGKILL a real process at a known step. Without the variable (production) this does nothing.
 *
 * <p>Points: {@code landed} (every due window pulled, before bronze), {@code bronze-write} (inside
 * the bronze write tasks: data files partly written, nothing committed), {@code bronze-committed}
 * (the bronze commit is done, the streaming checkpoint and {@code ops.ingest_reconciliation} are
 * not). On reaching one it prints {@code LAKEML_PAUSED <point>} on stderr and sleeps until killed.
 */
public final class PausePoints implements Serializable {
  public static final String ENV = "LAKEML_PAUSE_AT";
  public static final String MARKER = "LAKEML_PAUSED ";

  private PausePoints() {}

  /** Whether the process was asked to pause at {@code point}. */
  public static boolean armed(String point) {
    return point.equals(System.getenv(ENV));
  }

  /** Pauses forever if armed for {@code point}; returns at once otherwise. */
  public static void reach(String point) {
    if (!armed(point)) {
      return;
    }
    synchronized (PausePoints.class) {
      System.err.println(MARKER + point);
      System.err.flush();
    }
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        // keep pausing: only a kill ends a paused process
      }
    }
  }
}
