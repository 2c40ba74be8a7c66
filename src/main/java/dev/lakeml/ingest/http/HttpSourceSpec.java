package dev.lakeml.ingest.http;

import static dev.lakeml.ingest.http.HttpSourceErrors.invalidValue;
import static dev.lakeml.ingest.http.HttpSourceErrors.missingValue;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to pull from one paginated JSON API over HTTP, one time window (one day) per pull.
 *
 * <p>Immutable and valid once built: every constructor path (the canonical constructor, {@link
 * #builder(String)} and {@link #fromProperties(String, Map)}) checks every value, and an error
 * names the configuration key, the allowed values and what was given, e.g. {@code Cannot
 * configure source 'flights_api': pagination.mode must be one of page_number, cursor, next_link,
 * got 'foo'}.
 *
 * <p>The spec holds no secret: authentication is the name of a header and the name of the
 * environment variable that holds the token, which {@link HttpPageSource} reads at pull time. So
 * {@link #toString()} is safe to log.
 *
 * <p>A request for window {@code W} is {@code <baseUrl><path>?<queryParams>&<windowParam>=W
 * [&<page or cursor param>][&<pageSizeParam>=<pageSize>]}, with {@code W} as {@code yyyy-MM-dd}.
 *
 * @param name the source's name, used in messages and the manifest (letters, digits, _ - .)
 * @param baseUrl absolute http(s) URL without query, fragment or user info ({@code base_url})
 * @param path the resource path, starting with {@code /} ({@code path})
 * @param queryParams static query parameters sent with every request, in order ({@code query.*})
 * @param windowParam the query parameter that carries the window's date ({@code window.param})
 * @param pagination how pages are addressed ({@code pagination.*})
 * @param pageSizeParam the page-size query parameter, or null to send none ({@code
 *     page_size.param})
 * @param pageSize the page size to ask for; 0 when {@code pageSizeParam} is null ({@code
 *     page_size.value})
 * @param recordsField the response field holding the records array; a name starting with {@code
 *     /} is a JSON pointer ({@code records_field}, default {@code records})
 * @param authHeader the header carrying the token, or null for no auth ({@code auth.header})
 * @param authScheme the word put before the token, e.g. {@code Bearer}, or null for the bare token
 *     ({@code auth.scheme})
 * @param authTokenEnv the environment variable holding the token; set exactly when {@code
 *     authHeader} is ({@code auth.token_env})
 * @param requestTimeout how long one request may take, response body included ({@code
 *     request.timeout}, default 30s)
 * @param maxRetries retries after the first attempt of a page ({@code retry.max_retries}, default
 *     4)
 * @param backoffBase the first backoff cap; each retry doubles it ({@code retry.backoff_base},
 *     default 500ms)
 * @param backoffMax the largest backoff cap; the wait is uniformly random below the cap (full
 *     jitter) ({@code retry.backoff_max}, default 30s)
 * @param honourRetryAfter whether a {@code Retry-After} header on 429/503 replaces the backoff
 *     ({@code retry.honour_retry_after}, default true)
 * @param retryAfterMax the longest {@code Retry-After} wait obeyed; longer ones are cut to this
 *     ({@code retry.retry_after_max}, default 120s)
 * @param requestsPerSecond the most requests started per second, retries included; 0 for no limit
 *     ({@code rate_limit.requests_per_second}, default 0)
 * @param maxPages the most pages one pull fetches ({@code max_pages}, default 1000)
 */
public record HttpSourceSpec(
    String name,
    URI baseUrl,
    String path,
    Map<String, String> queryParams,
    String windowParam,
    Pagination pagination,
    String pageSizeParam,
    int pageSize,
    String recordsField,
    String authHeader,
    String authScheme,
    String authTokenEnv,
    Duration requestTimeout,
    int maxRetries,
    Duration backoffBase,
    Duration backoffMax,
    boolean honourRetryAfter,
    Duration retryAfterMax,
    double requestsPerSecond,
    int maxPages) {

  static final String BASE_URL = "base_url";
  static final String PATH = "path";
  static final String QUERY_PREFIX = "query.";
  static final String WINDOW_PARAM = "window.param";
  static final String PAGINATION_MODE = "pagination.mode";
  static final String PAGE_PARAM = "pagination.page_param";
  static final String TOTAL_PAGES_FIELD = "pagination.total_pages_field";
  static final String CURSOR_FIELD = "pagination.cursor_field";
  static final String CURSOR_PARAM = "pagination.cursor_param";
  static final String NEXT_FIELD = "pagination.next_field";
  static final String PAGE_SIZE_PARAM = "page_size.param";
  static final String PAGE_SIZE_VALUE = "page_size.value";
  static final String RECORDS_FIELD = "records_field";
  static final String AUTH_HEADER = "auth.header";
  static final String AUTH_SCHEME = "auth.scheme";
  static final String AUTH_TOKEN_ENV = "auth.token_env";
  static final String REQUEST_TIMEOUT = "request.timeout";
  static final String MAX_RETRIES = "retry.max_retries";
  static final String BACKOFF_BASE = "retry.backoff_base";
  static final String BACKOFF_MAX = "retry.backoff_max";
  static final String HONOUR_RETRY_AFTER = "retry.honour_retry_after";
  static final String RETRY_AFTER_MAX = "retry.retry_after_max";
  static final String REQUESTS_PER_SECOND = "rate_limit.requests_per_second";
  static final String MAX_PAGES = "max_pages";

  /** Every key {@link #fromProperties} accepts, besides {@code query.<param>}. */
  static final List<String> KEYS =
      List.of(
          BASE_URL, PATH, WINDOW_PARAM, PAGINATION_MODE, PAGE_PARAM, TOTAL_PAGES_FIELD,
          CURSOR_FIELD, CURSOR_PARAM, NEXT_FIELD, PAGE_SIZE_PARAM, PAGE_SIZE_VALUE, RECORDS_FIELD,
          AUTH_HEADER, AUTH_SCHEME, AUTH_TOKEN_ENV, REQUEST_TIMEOUT, MAX_RETRIES, BACKOFF_BASE,
          BACKOFF_MAX, HONOUR_RETRY_AFTER, RETRY_AFTER_MAX, REQUESTS_PER_SECOND, MAX_PAGES);

  private static final Pattern SOURCE_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z0-9_.\\-\\[\\]]+");
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  public HttpSourceSpec {
    if (name == null || !SOURCE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Cannot configure source: the name must be letters, digits, '_', '-' or '.', got '"
              + name
              + "'. Name the source as in its configuration file, e.g. flights_api");
    }
    checkBaseUrl(name, baseUrl);
    if (path == null || !path.startsWith("/") || path.contains("?") || path.contains("#")) {
      throw invalidValue(name, PATH, "a path starting with '/' without '?' or '#'", path);
    }
    windowParam = requireParamName(name, WINDOW_PARAM, windowParam);
    queryParams = checkQueryParams(name, queryParams);
    checkPagination(name, pagination);
    if (pageSizeParam == null) {
      if (pageSize != 0) {
        throw missingValue(
            name, PAGE_SIZE_PARAM, "the page-size query parameter, since page_size.value is set");
      }
    } else {
      requireParamName(name, PAGE_SIZE_PARAM, pageSizeParam);
      if (pageSize < 1) {
        throw invalidValue(name, PAGE_SIZE_VALUE, "an integer >= 1", pageSize);
      }
    }
    checkNoCollision(name, windowParam, WINDOW_PARAM, pagination, pageSizeParam, queryParams);
    if (recordsField == null || recordsField.isBlank()) {
      throw invalidValue(name, RECORDS_FIELD, "a field name or a JSON pointer", recordsField);
    }
    checkAuth(name, authHeader, authScheme, authTokenEnv);
    requirePositive(name, REQUEST_TIMEOUT, requestTimeout);
    if (maxRetries < 0 || maxRetries > 100) {
      throw invalidValue(name, MAX_RETRIES, "an integer from 0 to 100", maxRetries);
    }
    requirePositive(name, BACKOFF_BASE, backoffBase);
    requirePositive(name, BACKOFF_MAX, backoffMax);
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw invalidValue(
          name, BACKOFF_MAX, "at least retry.backoff_base (" + backoffBase + ")", backoffMax);
    }
    if (retryAfterMax == null || retryAfterMax.isNegative()) {
      throw invalidValue(name, RETRY_AFTER_MAX, "a duration >= 0", retryAfterMax);
    }
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw invalidValue(
          name, REQUESTS_PER_SECOND, "a number >= 0 (0 means no limit)", requestsPerSecond);
    }
    if (maxPages < 1) {
      throw invalidValue(name, MAX_PAGES, "an integer >= 1", maxPages);
    }
  }

  /** A builder with the documented defaults; {@link Builder#build()} validates. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Reads a spec from flat configuration keys, as found under a source's block in a config file
   * (values may be strings, numbers or booleans). Unknown keys, and keys that do not apply to the
   * chosen pagination mode, are rejected by name.
   *
   * <p>Keys: {@code base_url}, {@code path}, {@code query.<param>}, {@code window.param}, {@code
   * pagination.mode} (page_number, cursor, next_link), {@code pagination.page_param} (default
   * {@code page}), {@code pagination.total_pages_field}, {@code pagination.cursor_field}, {@code
   * pagination.cursor_param}, {@code pagination.next_field} (default {@code next}), {@code
   * page_size.param}, {@code page_size.value}, {@code records_field}, {@code auth.header}, {@code
   * auth.scheme}, {@code auth.token_env}, {@code request.timeout}, {@code retry.max_retries},
   * {@code retry.backoff_base}, {@code retry.backoff_max}, {@code retry.honour_retry_after},
   * {@code retry.retry_after_max}, {@code rate_limit.requests_per_second}, {@code max_pages}.
   * Durations are written {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code
   * PT10S}).
   */
  public static HttpSourceSpec fromProperties(String name, Map<String, ?> properties) {
    Objects.requireNonNull(properties, "properties");
    Map<String, String> values = new TreeMap<>();
    Map<String, String> query = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : properties.entrySet()) {
      String key = e.getKey();
      String value = e.getValue() == null ? null : String.valueOf(e.getValue()).trim();
      if (key.startsWith(QUERY_PREFIX) && key.length() > QUERY_PREFIX.length()) {
        query.put(key.substring(QUERY_PREFIX.length()), value);
      } else if (KEYS.contains(key)) {
        values.put(key, value);
      } else {
        throw HttpSourceErrors.unknownKey(name, key, KEYS);
      }
    }

    Builder b = builder(name);
    b.baseUrl(values.get(BASE_URL)).path(values.get(PATH)).windowParam(values.get(WINDOW_PARAM));
    query.forEach(b::queryParam);
    b.pagination(paginationFrom(name, values));
    if (values.containsKey(PAGE_SIZE_PARAM) || values.containsKey(PAGE_SIZE_VALUE)) {
      if (!values.containsKey(PAGE_SIZE_VALUE)) {
        throw missingValue(name, PAGE_SIZE_VALUE, "the page size to ask for, e.g. 50");
      }
      b.pageSize(values.get(PAGE_SIZE_PARAM), intValue(name, values, PAGE_SIZE_VALUE));
    }
    if (values.containsKey(RECORDS_FIELD)) {
      b.recordsField(values.get(RECORDS_FIELD));
    }
    if (values.containsKey(AUTH_HEADER) || values.containsKey(AUTH_TOKEN_ENV)
        || values.containsKey(AUTH_SCHEME)) {
      b.auth(values.get(AUTH_HEADER), values.get(AUTH_SCHEME), values.get(AUTH_TOKEN_ENV));
    }
    readIfPresent(values, REQUEST_TIMEOUT, k -> b.requestTimeout(durationValue(name, values, k)));
    readIfPresent(values, MAX_RETRIES, k -> b.maxRetries(intValue(name, values, k)));
    Duration base = values.containsKey(BACKOFF_BASE) ? durationValue(name, values, BACKOFF_BASE)
        : b.backoffBase;
    Duration max = values.containsKey(BACKOFF_MAX) ? durationValue(name, values, BACKOFF_MAX)
        : b.backoffMax;
    b.backoff(base, max);
    readIfPresent(
        values, HONOUR_RETRY_AFTER, k -> b.honourRetryAfter(booleanValue(name, values, k)));
    readIfPresent(values, RETRY_AFTER_MAX, k -> b.retryAfterMax(durationValue(name, values, k)));
    readIfPresent(
        values, REQUESTS_PER_SECOND, k -> b.requestsPerSecond(doubleValue(name, values, k)));
    readIfPresent(values, MAX_PAGES, k -> b.maxPages(intValue(name, values, k)));
    return b.build();
  }

  /** The request URL for a window's first page, and the prefix of every other page's URL. */
  URI resourceUri() {
    String base = baseUrl.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
  }

  boolean hasAuth() {
    return authHeader != null;
  }

  private static Pagination paginationFrom(String name, Map<String, String> values) {
    String modeValue = values.get(PAGINATION_MODE);
    if (modeValue == null) {
      throw missingValue(name, PAGINATION_MODE, "one of " + PaginationMode.allConfigNames());
    }
    PaginationMode mode =
        PaginationMode.fromConfigName(modeValue.toLowerCase(Locale.ROOT))
            .orElseThrow(
                () ->
                    invalidValue(
                        name,
                        PAGINATION_MODE,
                        "one of " + PaginationMode.allConfigNames(),
                        modeValue));
    List<String> allowed =
        switch (mode) {
          case PAGE_NUMBER -> List.of(PAGE_PARAM, TOTAL_PAGES_FIELD);
          case CURSOR -> List.of(CURSOR_FIELD, CURSOR_PARAM);
          case NEXT_LINK -> List.of(NEXT_FIELD);
        };
    for (String key : List.of(PAGE_PARAM, TOTAL_PAGES_FIELD, CURSOR_FIELD, CURSOR_PARAM,
        NEXT_FIELD)) {
      if (values.containsKey(key) && !allowed.contains(key)) {
        throw HttpSourceErrors.keyNotForMode(name, key, mode);
      }
    }
    return switch (mode) {
      case PAGE_NUMBER -> Pagination.pageNumber(
          values.getOrDefault(PAGE_PARAM, "page"), values.get(TOTAL_PAGES_FIELD));
      case CURSOR -> Pagination.cursor(values.get(CURSOR_FIELD), values.get(CURSOR_PARAM));
      case NEXT_LINK -> Pagination.nextLink(values.getOrDefault(NEXT_FIELD, "next"));
    };
  }

  private static void readIfPresent(
      Map<String, String> values, String key, java.util.function.Consumer<String> reader) {
    if (values.containsKey(key)) {
      reader.accept(key);
    }
  }

  private static int intValue(String name, Map<String, String> values, String key) {
    String v = values.get(key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw invalidValue(name, key, "an integer", v);
    }
  }

  private static double doubleValue(String name, Map<String, String> values, String key) {
    String v = values.get(key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException | NullPointerException e) {
      throw invalidValue(name, key, "a number", v);
    }
  }

  private static boolean booleanValue(String name, Map<String, String> values, String key) {
    String v = values.get(key);
    if ("true".equalsIgnoreCase(v) || "false".equalsIgnoreCase(v)) {
      return Boolean.parseBoolean(v);
    }
    throw invalidValue(name, key, "true or false", v);
  }

  static Duration durationValue(String name, Map<String, String> values, String key) {
    String v = values.get(key);
    Function<String, IllegalArgumentException> bad =
        got -> invalidValue(name, key, "a duration like 500ms, 10s, 2m or PT10S", got);
    if (v == null) {
      throw bad.apply(null);
    }
    Matcher m = DURATION.matcher(v);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
    try {
      return Duration.parse(v);
    } catch (DateTimeParseException e) {
      throw bad.apply(v);
    }
  }

  private static void checkBaseUrl(String name, URI baseUrl) {
    String requirement = "an absolute http or https URL without query, fragment or user info";
    if (baseUrl == null) {
      throw missingValue(name, BASE_URL, "the API's root URL, e.g. https://api.example.com");
    }
    if (baseUrl.getRawUserInfo() != null) {
      // Do not echo the URL: its user info may be a credential.
      throw new IllegalArgumentException(
          "Cannot configure source '"
              + name
              + "': base_url must not contain user info (credentials). Put the token in the"
              + " environment variable named by auth.token_env and set auth.header");
    }
    if (!baseUrl.isAbsolute()
        || !("http".equalsIgnoreCase(baseUrl.getScheme())
            || "https".equalsIgnoreCase(baseUrl.getScheme()))
        || baseUrl.getHost() == null
        || baseUrl.getRawQuery() != null
        || baseUrl.getRawFragment() != null) {
      throw invalidValue(name, BASE_URL, requirement, baseUrl);
    }
  }

  private static String requireParamName(String name, String key, String value) {
    if (value == null || !PARAM_NAME.matcher(value).matches()) {
      throw invalidValue(name, key, "a query parameter name (letters, digits, _ - . [ ])", value);
    }
    return value;
  }

  private static Map<String, String> checkQueryParams(String name, Map<String, String> params) {
    if (params == null) {
      return Map.of();
    }
    Map<String, String> copy = new LinkedHashMap<>();
    params.forEach(
        (param, value) -> {
          requireParamName(name, QUERY_PREFIX + param, param);
          if (value == null) {
            throw invalidValue(name, QUERY_PREFIX + param, "a value", null);
          }
          copy.put(param, value);
        });
    return Collections.unmodifiableMap(copy);
  }

  private static void checkPagination(String name, Pagination pagination) {
    if (pagination == null) {
      throw missingValue(name, PAGINATION_MODE, "one of " + PaginationMode.allConfigNames());
    }
    switch (pagination.mode()) {
      case PAGE_NUMBER -> {
        requireParamName(name, PAGE_PARAM, pagination.param());
        if (pagination.field() != null) {
          requireField(name, TOTAL_PAGES_FIELD, pagination.field());
        }
      }
      case CURSOR -> {
        requireField(name, CURSOR_FIELD, pagination.field());
        requireParamName(name, CURSOR_PARAM, pagination.param());
      }
      case NEXT_LINK -> {
        requireField(name, NEXT_FIELD, pagination.field());
        if (pagination.param() != null) {
          throw HttpSourceErrors.keyNotForMode(name, CURSOR_PARAM, pagination.mode());
        }
      }
    }
  }

  private static void requireField(String name, String key, String field) {
    if (field == null || field.isBlank()) {
      throw invalidValue(name, key, "a response field name or a JSON pointer", field);
    }
  }

  private static void checkNoCollision(
      String name,
      String windowParam,
      String windowKey,
      Pagination pagination,
      String pageSizeParam,
      Map<String, String> queryParams) {
    Map<String, String> owners = new LinkedHashMap<>();
    owners.put(windowParam, windowKey);
    if (pagination.param() != null) {
      String key = pagination.mode() == PaginationMode.CURSOR ? CURSOR_PARAM : PAGE_PARAM;
      String previous = owners.putIfAbsent(pagination.param(), key);
      if (previous != null) {
        throw HttpSourceErrors.collidingParam(name, key, pagination.param(), previous);
      }
    }
    if (pageSizeParam != null) {
      String previous = owners.putIfAbsent(pageSizeParam, PAGE_SIZE_PARAM);
      if (previous != null) {
        throw HttpSourceErrors.collidingParam(name, PAGE_SIZE_PARAM, pageSizeParam, previous);
      }
    }
    for (String param : queryParams.keySet()) {
      String previous = owners.get(param);
      if (previous != null) {
        throw HttpSourceErrors.collidingParam(name, QUERY_PREFIX + param, param, previous);
      }
    }
  }

  private static void checkAuth(String name, String header, String scheme, String tokenEnv) {
    if (header == null && tokenEnv == null && scheme == null) {
      return;
    }
    if (header == null) {
      throw missingValue(
          name, AUTH_HEADER, "the header that carries the token, e.g. Authorization");
    }
    if (!HEADER_NAME.matcher(header).matches()) {
      throw invalidValue(name, AUTH_HEADER, "an HTTP header name", header);
    }
    if (tokenEnv == null) {
      throw missingValue(
          name, AUTH_TOKEN_ENV, "the name of the environment variable that holds the token");
    }
    if (!ENV_NAME.matcher(tokenEnv).matches()) {
      // Not echoed: a token pasted here by mistake must not reach a log.
      throw new IllegalArgumentException(
          "Cannot configure source '"
              + name
              + "': auth.token_env must be the name of an environment variable (letters, digits"
              + " and '_', not starting with a digit); the value is not shown in case it is the"
              + " token itself. Set auth.token_env to a variable name such as FLIGHTS_API_TOKEN"
              + " and export the token in that variable");
    }
    if (scheme != null && !HEADER_NAME.matcher(scheme).matches()) {
      throw invalidValue(name, AUTH_SCHEME, "one word such as Bearer, or unset", scheme);
    }
  }

  private static void requirePositive(String name, String key, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw invalidValue(name, key, "a positive duration", d);
    }
  }

  /** Collects a spec's values; {@link #build()} validates them all. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private String baseUrl;
    private String path;
    private final Map<String, String> queryParams = new LinkedHashMap<>();
    private String windowParam;
    private Pagination pagination;
    private String pageSizeParam;
    private int pageSize;
    private String recordsField = "records";
    private String authHeader;
    private String authScheme;
    private String authTokenEnv;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxRetries = 4;
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private boolean honourRetryAfter = true;
    private Duration retryAfterMax = Duration.ofSeconds(120);
    private double requestsPerSecond;
    private int maxPages = 1000;

    private Builder(String name) {
      this.name = name;
    }

    /** The API's root, e.g. {@code https://api.example.com}. */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    public Builder path(String path) {
      this.path = path;
      return this;
    }

    /** Adds a query parameter sent with every request. */
    public Builder queryParam(String param, String value) {
      this.queryParams.put(param, value);
      return this;
    }

    public Builder windowParam(String windowParam) {
      this.windowParam = windowParam;
      return this;
    }

    public Builder pagination(Pagination pagination) {
      this.pagination = pagination;
      return this;
    }

    public Builder pageSize(String param, int value) {
      this.pageSizeParam = param;
      this.pageSize = value;
      return this;
    }

    public Builder recordsField(String recordsField) {
      this.recordsField = recordsField;
      return this;
    }

    /**
     * Sends {@code <header>: [<scheme> ]<token>}, the token read from environment variable
     * {@code tokenEnv} at pull time.
     */
    public Builder auth(String header, String scheme, String tokenEnv) {
      this.authHeader = header;
      this.authScheme = scheme;
      this.authTokenEnv = tokenEnv;
      return this;
    }

    /** Shorthand for {@code auth("Authorization", "Bearer", tokenEnv)}. */
    public Builder bearerToken(String tokenEnv) {
      return auth("Authorization", "Bearer", tokenEnv);
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    public Builder honourRetryAfter(boolean honourRetryAfter) {
      this.honourRetryAfter = honourRetryAfter;
      return this;
    }

    public Builder retryAfterMax(Duration retryAfterMax) {
      this.retryAfterMax = retryAfterMax;
      return this;
    }

    /** At most this many requests started per second; 0 for no limit. */
    public Builder requestsPerSecond(double requestsPerSecond) {
      this.requestsPerSecond = requestsPerSecond;
      return this;
    }

    public Builder maxPages(int maxPages) {
      this.maxPages = maxPages;
      return this;
    }

    /** Validates every value; see {@link HttpSourceSpec} for the messages. */
    public HttpSourceSpec build() {
      return new HttpSourceSpec(
          name,
          parseBaseUrl(),
          path,
          queryParams,
          windowParam,
          pagination,
          pageSizeParam,
          pageSize,
          recordsField,
          authHeader,
          authScheme,
          authTokenEnv,
          requestTimeout,
          maxRetries,
          backoffBase,
          backoffMax,
          honourRetryAfter,
          retryAfterMax,
          requestsPerSecond,
          maxPages);
    }

    private URI parseBaseUrl() {
      if (baseUrl == null) {
        return null;
      }
      try {
        return new URI(baseUrl);
      } catch (URISyntaxException e) {
        if (baseUrl.contains("@")) {
          throw new IllegalArgumentException(
              "Cannot configure source '" + name + "': base_url is not a valid URL (not shown,"
                  + " it may hold credentials). Use an absolute http or https URL");
        }
        throw invalidValue(
            name, BASE_URL, "an absolute http or https URL without query or fragment", baseUrl);
      }
    }
  }
}
