package dev.lakeml.observe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;

/** Words every message this package shows a user: what went wrong, why, and what to do. */
final class ObserveErrors {
  /** The configuration key that holds the Pushgateway address. */
  static final String PUSHGATEWAY_KEY = "metrics.pushgateway";

  private ObserveErrors() {}

  static IllegalArgumentException badGatewayAddress(String address) {
    return new IllegalArgumentException(
        "Cannot push metrics to pushgateway '"
            + address
            + "': expected host:port, e.g. 127.0.0.1:9091. Check "
            + PUSHGATEWAY_KEY
            + " in conf/");
  }

  static String pushFailed(String gateway, Exception cause, Duration timeout) {
    return "Cannot push metrics to pushgateway "
        + gateway
        + ": "
        + reason(cause, timeout)
        + ". The run's data is committed; check "
        + PUSHGATEWAY_KEY
        + " in conf/";
  }

  static IllegalStateException plotlyMissing(String resource) {
    return new IllegalStateException(
        "Cannot write run report: the Plotly bundle "
            + resource
            + " is not on the classpath (webjar org.webjars.npm:plotly.js-dist). The lakeml jar is"
            + " incomplete; rebuild it with mvn package");
  }

  // The client wraps the socket's exception ("Failed to push metrics to ...: Connection refused"),
  // so look down the cause chain for the one that says what happened.
  private static String reason(Exception pushFailure, Duration timeout) {
    for (Throwable cause = pushFailure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException) {
        String message = String.valueOf(cause.getMessage());
        return message.toLowerCase(Locale.ROOT).contains("refused")
            ? "connection refused"
            : "cannot connect (" + message + ")";
      }
      if (cause instanceof SocketTimeoutException || cause instanceof HttpTimeoutException) {
        return "no answer within " + timeout.toMillis() + " ms";
      }
      if (cause instanceof UnknownHostException) {
        return "unknown host " + cause.getMessage();
      }
    }
    if (pushFailure instanceof IOException && pushFailure.getMessage() != null) {
      return pushFailure.getMessage();
    }
    return pushFailure.getClass().getSimpleName()
        + (pushFailure.getMessage() == null ? "" : ": " + pushFailure.getMessage());
  }
}
