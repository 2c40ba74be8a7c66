package dev.lakeml.ingest.http;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Pulls one window (one day) of a paginated JSON API into a landing directory, page by page,
 * saving every response body unchanged.
 *
 * <p>The contract of {@link #pull(LocalDate, Path, PageCursor)}:
 *
 * <ul>
 *   <li>Each body is written to {@code <landingDir>/<yyyy-MM-dd>/<sha256 of body>.json} through a
 *       temporary file and an atomic rename; an existing file of that name has the same content
 *       and is kept. Then a row is appended to the {@link LandingManifest}.
 *   <li>429, 408 and 5xx answers (but 501 and 505), timeouts and I/O errors are retried, and so is
 *       a 2xx whose body is not a valid page (not JSON, HTML, or no records array). The wait is
 *       the server's {@code Retry-After} or backoff with full jitter (see {@link HttpSourceSpec}).
 *   <li>A body still invalid after the last retry is landed anyway, marked invalid with the
 *       reason, and the pull stops with {@link PullStatus#STOPPED_ON_INVALID_PAGE}.
 *   <li>Any other 4xx, or a request failing on every attempt, throws {@link HttpSourceException}
 *       holding what was landed before it.
 *   <li>The body is not deduplicated or otherwise interpreted beyond finding the next page:
 *       repeated records are landed as served.
 * </ul>
 *
 * <p>The token is read from the environment variable named by the spec on every pull, sent only
 * to the base URL's scheme, host and port, and never written to a manifest, a message or {@link
 * #toString()}. Instances are safe to share between threads; pulls of the same window must not
 * run at the same time.
 */
public final class HttpPageSource {
  private static final List<String> KEPT_HEADERS = List.of("content-type", "date", "retry-after");
  private static final int EXCERPT_CHARS = 200;

  private final HttpSourceSpec spec;
  private final Function<String, String> environment;
  private final HttpClient client;
  private final RequestSpacing spacing;
  private final RetryDelays delays;

  /** A source reading its token from the process environment. */
  public HttpPageSource(HttpSourceSpec spec) {
    this(spec, System::getenv);
  }

  /**
   * A source reading its token through {@code environment}, a lookup from variable name to value
   * (null when unset), e.g. {@code System::getenv} or a map's {@code get} in tests.
   */
  public HttpPageSource(HttpSourceSpec spec, Function<String, String> environment) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.environment = Objects.requireNonNull(environment, "environment");
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(spec.requestTimeout())
            // A redirect could carry the token elsewhere; a moved API is a configuration change.
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.spacing = new RequestSpacing(spec.requestsPerSecond());
    this.delays = new RetryDelays(spec);
  }

  public HttpSourceSpec spec() {
    return spec;
  }

  /** Pulls a window from its first page; see {@link #pull(LocalDate, Path, PageCursor)}. */
  public PullResult pull(LocalDate window, Path landingDir) {
    return pull(window, landingDir, PageCursor.first());
  }

  /**
   * Pulls a window starting at {@code from}, until its last page, {@code max_pages} pages, or a
   * page that stays invalid.
   *
   * @param window the day to pull, sent as {@code yyyy-MM-dd} in the window parameter
   * @param landingDir the landing directory (the window's folder and manifest go inside it)
   * @param from {@link PageCursor#first()}, or where a previous pull said to resume ({@link
   *     PullResult#resumeFrom()}, {@link LandingManifest#resumePoint(LocalDate)}); a bare page
   *     number ({@link PageCursor#atPage(int)}) only works with page-number pagination
   * @return the pages landed, how the pull ended and where to resume
   * @throws HttpSourceException if the token variable is unset, a request is refused, or a
   *     request fails on every attempt
   */
  public PullResult pull(LocalDate window, Path landingDir, PageCursor from) {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(landingDir, "landingDir");
    Objects.requireNonNull(from, "from");
    if (from.page() > 1 && from.token() == null
        && spec.pagination().mode() != PaginationMode.PAGE_NUMBER) {
      throw HttpSourceErrors.cannotResume(spec.name(), window, from, spec.pagination().mode());
    }
    Optional<String> token = readToken();
    SecretMask mask = SecretMask.of(token.orElse(null));
    Optional<String> authValue =
        token.map(t -> spec.authScheme() == null ? t : spec.authScheme() + " " + t);
    LandingManifest manifest = LandingManifest.at(landingDir);

    List<LandedPage> landed = new ArrayList<>();
    PageCursor cursor = from;
    while (true) {
      if (landed.size() >= spec.maxPages()) {
        return new PullResult(
            spec.name(), window, PullStatus.MAX_PAGES_REACHED, landed, Optional.of(cursor));
      }
      final PageCursor current = cursor;
      Function<String, HttpSourceException> failure =
          message ->
              new HttpSourceException(
                  message,
                  null,
                  new PullResult(
                      spec.name(), window, PullStatus.FAILED, landed, Optional.of(current)));
      URI uri = requestUri(window, cursor, mask, failure);
      Outcome outcome = fetch(window, cursor.page(), uri, authValue, mask);
      if (outcome instanceof Failed failed) {
        throw new HttpSourceException(
            failed.message(),
            failed.cause(),
            new PullResult(spec.name(), window, PullStatus.FAILED, landed, Optional.of(current)));
      }
      Fetched fetched = (Fetched) outcome;
      LandedPage page = land(window, cursor, uri, fetched, landingDir, mask, failure);
      manifest.append(page);
      landed.add(page);
      if (!page.valid()) {
        return new PullResult(
            spec.name(), window, PullStatus.STOPPED_ON_INVALID_PAGE, landed, Optional.of(cursor));
      }
      if (page.next().isEmpty()) {
        return new PullResult(spec.name(), window, PullStatus.COMPLETE, landed, Optional.empty());
      }
      cursor = page.next().get();
    }
  }

  private Optional<String> readToken() {
    if (!spec.hasAuth()) {
      return Optional.empty();
    }
    String token = environment.apply(spec.authTokenEnv());
    if (token == null || token.isBlank()) {
      throw HttpSourceErrors.tokenNotSet(spec.name(), spec.authTokenEnv());
    }
    return Optional.of(token.strip());
  }

  private URI requestUri(
      LocalDate window,
      PageCursor cursor,
      SecretMask mask,
      Function<String, HttpSourceException> failure) {
    Pagination pagination = spec.pagination();
    if (pagination.mode() == PaginationMode.NEXT_LINK && cursor.token() != null) {
      URI next;
      try {
        next = spec.baseUrl().resolve(cursor.token());
      } catch (IllegalArgumentException e) {
        throw failure.apply(
            HttpSourceErrors.badNextLink(
                spec.name(), window, cursor.page(), mask.apply(cursor.token())));
      }
      if (!sameOrigin(next, spec.baseUrl())) {
        throw failure.apply(
            HttpSourceErrors.foreignNextLink(
                spec.name(), window, cursor.page(), mask.url(next), spec.baseUrl()));
      }
      return next;
    }
    Map<String, String> query = new LinkedHashMap<>(spec.queryParams());
    query.put(spec.windowParam(), window.toString());
    if (pagination.mode() == PaginationMode.PAGE_NUMBER) {
      query.put(pagination.param(), Integer.toString(cursor.page()));
    } else if (pagination.mode() == PaginationMode.CURSOR && cursor.token() != null) {
      query.put(pagination.param(), cursor.token());
    }
    if (spec.pageSizeParam() != null) {
      query.put(spec.pageSizeParam(), Integer.toString(spec.pageSize()));
    }
    String encoded =
        query.entrySet().stream()
            .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
            .collect(Collectors.joining("&"));
    return URI.create(spec.resourceUri() + "?" + encoded);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme() != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b)
        && a.getRawUserInfo() == null;
  }

  private static int port(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** A page's requests, retried until a valid page, a refusal, or the last attempt. */
  private Outcome fetch(
      LocalDate window, int page, URI uri, Optional<String> authValue, SecretMask mask) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(spec.requestTimeout())
            .header("Accept", "application/json")
            .GET();
    authValue.ifPresent(v -> builder.header(spec.authHeader(), v));
    HttpRequest request = builder.build();
    String shownUrl = mask.url(uri);

    int maxAttempts = spec.maxRetries() + 1;
    Fetched lastInvalid = null;
    String lastProblem = null;
    Throwable lastCause = null;
    for (int attempt = 1; ; attempt++) {
      Optional<String> retryAfter = Optional.empty();
      try {
        spacing.acquire();
        Instant sentAt = Instant.now();
        HttpResponse<byte[]> response =
            client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
          Optional<String> contentType = response.headers().firstValue("content-type");
          PageBody body = PageBody.read(response.body(), contentType, spec);
          Fetched fetched = new Fetched(response, body, attempt, sentAt);
          if (body.valid()) {
            return fetched;
          }
          lastInvalid = fetched;
          lastProblem = "the body was not a valid page (" + mask.apply(body.invalidReason().get())
              + ")";
        } else if (status == 401 || status == 403) {
          return new Failed(
              HttpSourceErrors.unauthorized(spec.name(), window, page, status, spec), null);
        } else if (isRetryable(status)) {
          lastInvalid = null;
          lastProblem = "the server answered " + status;
          retryAfter = response.headers().firstValue("retry-after");
        } else {
          return new Failed(
              HttpSourceErrors.rejected(
                  spec.name(), window, page, shownUrl, status, excerpt(response.body(), mask)),
              null);
        }
        lastCause = null;
      } catch (HttpTimeoutException e) {
        lastInvalid = null;
        lastProblem = "the request timed out after " + spec.requestTimeout().toMillis() + " ms"
            + " (request.timeout)";
        lastCause = e;
      } catch (IOException e) {
        lastInvalid = null;
        lastProblem = "the request failed (" + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + mask.apply(e.getMessage())) + ")";
        // The JDK client's I/O messages never quote request headers, so the cause is safe.
        lastCause = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Failed(HttpSourceErrors.interrupted(spec.name(), window, page), null);
      }

      if (attempt >= maxAttempts) {
        if (lastInvalid != null) {
          return lastInvalid;
        }
        return new Failed(
            HttpSourceErrors.exhausted(
                spec.name(), window, page, shownUrl, attempt, lastProblem),
            lastCause);
      }
      try {
        Duration wait = delays.before(attempt, retryAfter, Instant.now());
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Failed(HttpSourceErrors.interrupted(spec.name(), window, page), null);
      }
    }
  }

  private static boolean isRetryable(int status) {
    return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
  }

  private static String excerpt(byte[] body, SecretMask mask) {
    String text = new String(body, 0, Math.min(body.length, EXCERPT_CHARS * 4),
        StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
    if (text.length() > EXCERPT_CHARS) {
      text = text.substring(0, EXCERPT_CHARS) + "...";
    }
    return mask.apply(text);
  }

  private LandedPage land(
      LocalDate window,
      PageCursor cursor,
      URI uri,
      Fetched fetched,
      Path landingDir,
      SecretMask mask,
      Function<String, HttpSourceException> failure) {
    byte[] body = fetched.response().body();
    String sha256 = sha256(body);
    Path relative = Path.of(window.toString(), sha256 + ".json");
    Path target = landingDir.resolve(relative);
    try {
      writeOnce(target, body);
    } catch (IOException e) {
      throw failure.apply(
          HttpSourceErrors.landingFailed(
              spec.name(), window, cursor.page(), landingDir.toString(), e.toString()));
    }

    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : KEPT_HEADERS) {
      fetched.response().headers().firstValue(name).ifPresent(v -> headers.put(name, v));
    }
    PageBody page = fetched.body();
    return new LandedPage(
        spec.name(),
        window,
        cursor.page(),
        mask.url(uri),
        fetched.response().statusCode(),
        fetched.attempts(),
        headers,
        fetched.sentAt(),
        body.length,
        sha256,
        relative,
        page.valid(),
        page.invalidReason().map(mask::apply),
        page.recordCount(),
        page.valid() ? nextCursor(cursor, page) : Optional.empty());
  }

  private Optional<PageCursor> nextCursor(PageCursor current, PageBody body) {
    int nextPage = current.page() + 1;
    if (spec.pagination().mode() == PaginationMode.PAGE_NUMBER) {
      if (body.recordCount() == 0) {
        return Optional.empty();
      }
      if (body.totalPages().isPresent() && current.page() >= body.totalPages().getAsInt()) {
        return Optional.empty();
      }
      return Optional.of(PageCursor.atPage(nextPage));
    }
    return body.nextToken().map(token -> new PageCursor(nextPage, token));
  }

  /** Writes through a hidden temporary file and an atomic rename, unless the file exists. */
  private static void writeOnce(Path target, byte[] body) throws IOException {
    if (Files.exists(target)) {
      return; // content-addressed: same name, same bytes
    }
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(temp, body);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        // Another pull landed the same body first.
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Cannot hash a page: this JVM has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "HttpPageSource[" + spec.name() + " " + spec.resourceUri() + ", pagination "
        + spec.pagination().mode().name().toLowerCase(Locale.ROOT) + "]";
  }

  private sealed interface Outcome permits Fetched, Failed {}

  private record Fetched(HttpResponse<byte[]> response, PageBody body, int attempts,
      Instant sentAt) implements Outcome {}

  private record Failed(String message, Throwable cause) implements Outcome {}
}
