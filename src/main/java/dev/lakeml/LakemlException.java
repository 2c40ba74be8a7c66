package dev.lakeml;

/**
 * An error the user can act on: the message says what failed, why, and what to do.
 *
 * <p>Every user-facing failure is raised as this exception (built in {@link Errors}); the launcher
 * prints its message without a stack trace and exits with {@link #exitCode()}.
 */
public class LakemlException extends RuntimeException {
  private final int exitCode;

  public LakemlException(String message) {
    this(message, null, 1);
  }

  public LakemlException(String message, Throwable cause) {
    this(message, cause, 1);
  }

  public LakemlException(String message, Throwable cause, int exitCode) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** 2 for usage and configuration errors, 1 for failures while running. */
  public int exitCode() {
    return exitCode;
  }
}
