package dev.lakeml.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpSourceSpecTest {

  private static Map<String, Object> flightsProperties() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("base_url", "https://api.example.com");
    p.put("path", "/v1/flights");
    p.put("query.carrier", "AS");
    p.put("window.param", "date");
    p.put("pagination.mode", "page_number");
    p.put("pagination.page_param", "page");
    p.put("pagination.total_pages_field", "total_pages");
    p.put("page_size.param", "page_size");
    p.put("page_size.value", 50);
    p.put("auth.header", "Authorization");
    p.put("auth.scheme", "Bearer");
    p.put("auth.token_env", "FLIGHTS_API_TOKEN");
    p.put("request.timeout", "10s");
    p.put("retry.max_retries", 3);
    p.put("retry.backoff_base", "250ms");
    p.put("retry.backoff_max", "PT20S");
    p.put("retry.honour_retry_after", true);
    p.put("retry.retry_after_max", "2m");
    p.put("rate_limit.requests_per_second", 2.5);
    p.put("max_pages", 200);
    return p;
  }

  private static String error(Map<String, Object> properties) {
    return assertThrows(
            IllegalArgumentException.class,
            () -> HttpSourceSpec.fromProperties("flights_api", properties))
        .getMessage();
  }

  @Test
  void readsEveryKeyFromProperties() {
    HttpSourceSpec spec = HttpSourceSpec.fromProperties("flights_api", flightsProperties());

    assertEquals(URI.create("https://api.example.com"), spec.baseUrl());
    assertEquals(URI.create("https://api.example.com/v1/flights"), spec.resourceUri());
    assertEquals(Map.of("carrier", "AS"), spec.queryParams());
    assertEquals("date", spec.windowParam());
    assertEquals(Pagination.pageNumber("page", "total_pages"), spec.pagination());
    assertEquals("page_size", spec.pageSizeParam());
    assertEquals(50, spec.pageSize());
    assertEquals("records", spec.recordsField());
    assertEquals("Authorization", spec.authHeader());
    assertEquals("Bearer", spec.authScheme());
    assertEquals("FLIGHTS_API_TOKEN", spec.authTokenEnv());
    assertEquals(Duration.ofSeconds(10), spec.requestTimeout());
    assertEquals(3, spec.maxRetries());
    assertEquals(Duration.ofMillis(250), spec.backoffBase());
    assertEquals(Duration.ofSeconds(20), spec.backoffMax());
    assertTrue(spec.honourRetryAfter());
    assertEquals(Duration.ofMinutes(2), spec.retryAfterMax());
    assertEquals(2.5, spec.requestsPerSecond());
    assertEquals(200, spec.maxPages());
  }

  @Test
  void appliesDefaults() {
    HttpSourceSpec spec =
        HttpSourceSpec.fromProperties(
            "flights_api",
            Map.of(
                "base_url", "http://127.0.0.1:8080/",
                "path", "/v1/flights",
                "window.param", "date",
                "pagination.mode", "next_link"));

    assertEquals(Pagination.nextLink("next"), spec.pagination());
    assertEquals(URI.create("http://127.0.0.1:8080/v1/flights"), spec.resourceUri());
    assertNull(spec.pageSizeParam());
    assertNull(spec.authHeader());
    assertEquals(Duration.ofSeconds(30), spec.requestTimeout());
    assertEquals(4, spec.maxRetries());
    assertEquals(1000, spec.maxPages());
    assertEquals(0.0, spec.requestsPerSecond());
  }

  @Test
  void badPaginationModeNamesKeyAndAllowedValues() {
    Map<String, Object> p = flightsProperties();
    p.put("pagination.mode", "foo");

    assertEquals(
        "Cannot configure source 'flights_api': pagination.mode must be one of page_number,"
            + " cursor, next_link, got 'foo'",
        error(p));
  }

  @Test
  void unknownKeyIsRejectedByName() {
    Map<String, Object> p = flightsProperties();
    p.put("retry.max_retry", 3);

    String message = error(p);
    assertTrue(message.startsWith(
        "Cannot configure source 'flights_api': unknown key 'retry.max_retry'."), message);
    assertTrue(message.contains("retry.max_retries"), message);
  }

  @Test
  void keyOfAnotherPaginationModeIsRejected() {
    Map<String, Object> p = flightsProperties();
    p.put("pagination.cursor_field", "next_cursor");

    assertEquals(
        "Cannot configure source 'flights_api': pagination.cursor_field does not apply to"
            + " pagination.mode page_number. Remove it, or change pagination.mode",
        error(p));
  }

  @Test
  void badNumbersAndDurationsNameTheirKey() {
    Map<String, Object> p = flightsProperties();
    p.put("retry.max_retries", -1);
    assertEquals(
        "Cannot configure source 'flights_api': retry.max_retries must be an integer from 0 to"
            + " 100, got '-1'",
        error(p));

    p = flightsProperties();
    p.put("request.timeout", "ten seconds");
    assertEquals(
        "Cannot configure source 'flights_api': request.timeout must be a duration like 500ms,"
            + " 10s, 2m or PT10S, got 'ten seconds'",
        error(p));

    p = flightsProperties();
    p.put("page_size.value", "fifty");
    assertEquals(
        "Cannot configure source 'flights_api': page_size.value must be an integer, got 'fifty'",
        error(p));

    p = flightsProperties();
    p.put("retry.backoff_max", "100ms");
    assertTrue(error(p).contains("retry.backoff_max must be at least retry.backoff_base"));

    p = flightsProperties();
    p.put("max_pages", 0);
    assertTrue(error(p).contains("max_pages must be an integer >= 1, got '0'"));

    p = flightsProperties();
    p.put("rate_limit.requests_per_second", -2);
    assertTrue(error(p).contains("rate_limit.requests_per_second must be a number >= 0"));
  }

  @Test
  void missingAndMalformedBaseUrl() {
    Map<String, Object> p = flightsProperties();
    p.remove("base_url");
    assertTrue(error(p).contains("base_url is required"));

    p.put("base_url", "ftp://files.example.com");
    assertTrue(error(p).contains("base_url must be an absolute http or https URL"), error(p));

    p.put("base_url", "https://api.example.com/?key=1");
    assertTrue(error(p).contains("base_url must be"));
  }

  @Test
  void credentialsInBaseUrlAreRejectedWithoutEchoingThem() {
    Map<String, Object> p = flightsProperties();
    p.put("base_url", "https://user:hunter2-secret@api.example.com");

    String message = error(p);
    assertTrue(message.contains("base_url must not contain user info"), message);
    assertFalse(message.contains("hunter2-secret"), message);
  }

  @Test
  void tokenPastedIntoTokenEnvIsNotEchoed() {
    Map<String, Object> p = flightsProperties();
    p.put("auth.token_env", "eyJhbGciOi.JIUzI1-NiJ9");

    String message = error(p);
    assertTrue(message.contains("auth.token_env must be the name of an environment variable"));
    assertFalse(message.contains("eyJhbGciOi"), message);
  }

  @Test
  void authNeedsHeaderAndTokenEnvTogether() {
    Map<String, Object> p = flightsProperties();
    p.remove("auth.token_env");
    assertTrue(error(p).contains("auth.token_env is required"), error(p));

    p = flightsProperties();
    p.remove("auth.header");
    assertTrue(error(p).contains("auth.header is required"), error(p));
  }

  @Test
  void queryParamMayNotShadowTheWindowParam() {
    Map<String, Object> p = flightsProperties();
    p.put("query.date", "2001-01-01");

    assertEquals(
        "Cannot configure source 'flights_api': query.date uses query parameter 'date', which"
            + " window.param already uses. Give each parameter one key",
        error(p));
  }

  @Test
  void cursorModeNeedsFieldAndParam() {
    Map<String, Object> p = flightsProperties();
    p.remove("pagination.page_param");
    p.remove("pagination.total_pages_field");
    p.put("pagination.mode", "cursor");
    p.put("pagination.cursor_field", "next_cursor");

    assertTrue(error(p).contains("pagination.cursor_param must be a query parameter name"),
        error(p));

    p.put("pagination.cursor_param", "cursor");
    HttpSourceSpec spec = HttpSourceSpec.fromProperties("flights_api", p);
    assertEquals(Pagination.cursor("next_cursor", "cursor"), spec.pagination());
  }

  @Test
  void builderValidatesLikeProperties() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                HttpSourceSpec.builder("flights_api")
                    .baseUrl("http://127.0.0.1:1")
                    .path("v1/flights")
                    .windowParam("date")
                    .pagination(Pagination.pageNumber("page"))
                    .build());
    assertEquals(
        "Cannot configure source 'flights_api': path must be a path starting with '/' without"
            + " '?' or '#', got 'v1/flights'",
        e.getMessage());

    IllegalArgumentException badName =
        assertThrows(
            IllegalArgumentException.class,
            () -> HttpSourceSpec.builder("flights api").build());
    assertTrue(badName.getMessage().contains("got 'flights api'"));
  }

  @Test
  void specIsImmutable() {
    HttpSourceSpec spec = HttpSourceSpec.fromProperties("flights_api", flightsProperties());
    assertThrows(UnsupportedOperationException.class, () -> spec.queryParams().put("x", "y"));
    assertEquals(List.copyOf(spec.queryParams().keySet()), List.of("carrier"));
  }
}
