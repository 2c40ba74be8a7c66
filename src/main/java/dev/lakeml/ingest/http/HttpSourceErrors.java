package dev.lakeml.ingest.http;

import java.net.URI;
import java.time.LocalDate;
import java.util.Collection;

/**
 * Every user-facing error of the HTTP source, in one place: what could not be done, why, and what
 * to do. Nothing here receives a token value; URLs and server text are masked by the caller.
 */
final class HttpSourceErrors {
  private HttpSourceErrors() {}

  static IllegalArgumentException invalidValue(
      String source, String key, String requirement, Object got) {
    return new IllegalArgumentException(
        String.format(
            "Cannot configure source '%s': %s must be %s, got '%s'", source, key, requirement, got));
  }

  static IllegalArgumentException missingValue(String source, String key, String what) {
    return new IllegalArgumentException(
        String.format("Cannot configure source '%s': %s is required. Set it to %s", source, key,
            what));
  }

  static IllegalArgumentException unknownKey(String source, String key, Collection<String> known) {
    return new IllegalArgumentException(
        String.format(
            "Cannot configure source '%s': unknown key '%s'. Known keys are %s and query.<param>",
            source, key, String.join(", ", known)));
  }

  static IllegalArgumentException keyNotForMode(String source, String key, PaginationMode mode) {
    return new IllegalArgumentException(
        String.format(
            "Cannot configure source '%s': %s does not apply to pagination.mode %s. Remove it, or"
                + " change pagination.mode",
            source, key, mode.configName()));
  }

  static IllegalArgumentException collidingParam(
      String source, String key, String param, String otherKey) {
    return new IllegalArgumentException(
        String.format(
            "Cannot configure source '%s': %s uses query parameter '%s', which %s already uses."
                + " Give each parameter one key",
            source, key, param, otherKey));
  }

  static IllegalArgumentException cannotResume(
      String source, LocalDate window, PageCursor from, PaginationMode mode) {
    return new IllegalArgumentException(
        String.format(
            "Cannot pull source '%s' window %s from page %d: pagination mode %s needs the token"
                + " that addresses that page. Resume from PullResult.resumeFrom() or"
                + " LandingManifest.resumePoint(), not from a bare page number",
            source, window, from.page(), mode.configName()));
  }

  static HttpSourceException tokenNotSet(String source, String tokenEnv) {
    return new HttpSourceException(
        String.format(
            "Cannot pull source '%s': environment variable %s (auth.token_env) is not set or is"
                + " empty. Export the API token in %s before running",
            source, tokenEnv, tokenEnv));
  }

  static String unauthorized(
      String source, LocalDate window, int page, int status, HttpSourceSpec spec) {
    String fix =
        spec.hasAuth()
            ? String.format(
                "Check that environment variable %s (auth.token_env) holds a valid token for %s",
                spec.authTokenEnv(), spec.baseUrl())
            : "The source sends no credentials: set auth.header and auth.token_env, and export"
                + " the token in that environment variable";
    return String.format(
        "Cannot pull source '%s' window %s page %d: the server answered %d %s. %s",
        source, window, page, status, status == 401 ? "Unauthorized" : "Forbidden", fix);
  }

  static String rejected(
      String source, LocalDate window, int page, String url, int status, String bodyExcerpt) {
    return String.format(
        "Cannot pull source '%s' window %s page %d: the server refused %s with status %d%s."
            + " This is not retried; check the source's path and query settings",
        source, window, page, url, status,
        bodyExcerpt.isEmpty() ? "" : " (" + bodyExcerpt + ")");
  }

  static String exhausted(
      String source, LocalDate window, int page, String url, int attempts, String lastProblem) {
    return String.format(
        "Cannot pull source '%s' window %s page %d: %s on the last of %d attempts at %s. Pages"
            + " before it are landed; rerun later from page %d, or raise retry.max_retries or"
            + " request.timeout",
        source, window, page, lastProblem, attempts, url, page);
  }

  static String interrupted(String source, LocalDate window, int page) {
    return String.format(
        "Cannot pull source '%s' window %s page %d: the thread was interrupted. Pages before it"
            + " are landed; rerun from page %d",
        source, window, page, page);
  }

  static String foreignNextLink(
      String source, LocalDate window, int page, String link, URI baseUrl) {
    return String.format(
        "Cannot pull source '%s' window %s page %d: the next link %s leaves base_url %s, and the"
            + " token is only sent to base_url's scheme, host and port. Fix base_url, or the API's"
            + " next links",
        source, window, page, link, baseUrl);
  }

  static String badNextLink(String source, LocalDate window, int page, String link) {
    return String.format(
        "Cannot pull source '%s' window %s page %d: the previous page's next link '%s' is not a"
            + " valid URL. Check pagination.next_field",
        source, window, page, link);
  }

  static String landingFailed(String source, LocalDate window, int page, String dir, String why) {
    return String.format(
        "Cannot land source '%s' window %s page %d in %s: %s. Check that the landing directory"
            + " is writable and has free space",
        source, window, page, dir, why);
  }
}
