package dev.lakeml.observe;

import java.util.Optional;

/**
 * What happened to a metrics push. A failed push is not an error of the run: the caller logs {@link
 * #warning()} and carries on.
 *
 * @param gateway the Pushgateway address pushed to, {@code host:port}
 * @param pushed whether the gateway accepted the metrics
 * @param warning when not pushed, a message for the log naming the gateway and the reason; {@code
 *     null} when pushed
 */
public record PushResult(String gateway, boolean pushed, String warning) {
  public PushResult {
    if (pushed != (warning == null)) {
      throw new IllegalArgumentException(
          "Cannot create push result: a warning is required exactly when the push failed");
    }
  }

  static PushResult pushedTo(String gateway) {
    return new PushResult(gateway, true, null);
  }

  static PushResult failed(String gateway, String warning) {
    return new PushResult(gateway, false, warning);
  }

  /** The warning to log, if the push failed. */
  public Optional<String> warningMessage() {
    return Optional.ofNullable(warning);
  }
}
