package dev.lakeml.ingest.http;

import static dev.lakeml.ingest.http.FlightPulls.DAY_1;
import static dev.lakeml.ingest.http.FlightPulls.DAY_2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpPageSourceTest {
  private static final String TOKEN = "tok-9f8e7d6c5b4a-s3cret";
  private static final String TOKEN_ENV = "FLIGHTS_API_TOKEN";
  private static final Function<String, String> ENV = Map.of(TOKEN_ENV, TOKEN)::get;

  @TempDir Path tmp;
  private FlightPulls pulls;
  private Path landing;
  private ReplayApiServer server;

  @BeforeEach
  void startServer() throws IOException {
    pulls = FlightPulls.writeTo(Files.createDirectories(tmp.resolve("pulls")));
    landing = tmp.resolve("landing");
    server = ReplayApiServer.builder(pulls.root()).build().start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  /** The flights API as a spec: quick retries so fault tests stay fast. */
  private HttpSourceSpec.Builder flights(ReplayApiServer api) {
    return HttpSourceSpec.builder("flights_api")
        .baseUrl(api.baseUri().toString())
        .path("/v1/flights")
        .windowParam("date")
        .pagination(Pagination.pageNumber("page", "total_pages"))
        .pageSize("page_size", FlightPulls.PAGE_SIZE)
        .requestTimeout(Duration.ofSeconds(5))
        .maxRetries(3)
        .backoff(Duration.ofMillis(5), Duration.ofMillis(20));
  }

  private PullResult pull(HttpSourceSpec spec, LocalDate window) {
    return new HttpPageSource(spec, ENV).pull(window, landing);
  }

  private byte[] landed(LandedPage page) {
    try {
      return Files.readAllBytes(landing.resolve(page.landingPath()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void landsEveryPageOfEveryWindowUnchangedAndOnce() throws Exception {
    Instant before = Instant.now();
    HttpSourceSpec spec = flights(server).build();

    for (LocalDate day : List.of(DAY_1, DAY_2)) {
      PullResult result = pull(spec, day);

      assertEquals(PullStatus.COMPLETE, result.status());
      assertEquals(Optional.empty(), result.resumeFrom());
      assertEquals(3, result.pages().size());
      assertEquals(3, result.lastPage());
      assertEquals(15, result.recordCount());
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        LandedPage page = result.pages().get(i);
        byte[] served = pulls.bytes(day, i + 1);
        assertArrayEquals(served, landed(page), "page " + (i + 1) + " landed as served");
        assertEquals(FlightPulls.ids(day, i + 1), FlightPulls.recordIds(landed(page)));
        ids.addAll(FlightPulls.recordIds(landed(page)));
        assertEquals(i + 1, page.pageNumber());
        assertEquals(200, page.statusCode());
        assertEquals(1, page.attempts());
        assertEquals(served.length, page.byteSize());
        assertEquals(sha256(served), page.sha256());
        assertEquals(Path.of(day.toString(), page.sha256() + ".json"), page.landingPath());
        assertEquals(server.baseUri() + "/v1/flights?date=" + day + "&page=" + (i + 1)
            + "&page_size=5", page.url());
        assertEquals("application/json", page.headers().get("content-type"));
        assertTrue(page.headers().containsKey("date"));
        assertTrue(page.valid());
        assertEquals(5, page.recordCount());
        assertFalse(page.fetchedAt().isBefore(before));
        assertEquals(i < 2 ? Optional.of(PageCursor.atPage(i + 2)) : Optional.empty(),
            page.next());
      }
      assertEquals(FlightPulls.ids(day), ids);
      assertEquals(3, filesUnder(landing.resolve(day.toString())).size());
      assertEquals(result.pages(), LandingManifest.at(landing).read(day));
      assertEquals(Optional.empty(), LandingManifest.at(landing).resumePoint(day));
    }
    assertEquals(6, server.requestCount());
  }

  @Test
  void rePullSkipsExistingFilesAndAppendsToTheManifest() throws Exception {
    HttpSourceSpec spec = flights(server).build();
    pull(spec, DAY_1);
    List<Path> files = filesUnder(landing.resolve(DAY_1.toString()));

    pull(spec, DAY_1);

    assertEquals(files, filesUnder(landing.resolve(DAY_1.toString())));
    List<LandedPage> rows = LandingManifest.at(landing).read(DAY_1);
    assertEquals(6, rows.size());
    assertEquals(rows.get(0).sha256(), rows.get(3).sha256());
    assertEquals(6, Files.readAllLines(LandingManifest.at(landing).file(DAY_1)).size());
  }

  @Test
  void withoutATotalFieldTheWindowEndsAtAnEmptyPage() {
    PullResult result =
        pull(flights(server).pagination(Pagination.pageNumber("page")).build(), DAY_1);

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(List.of(5, 5, 5, 0),
        result.pages().stream().map(LandedPage::recordCount).collect(Collectors.toList()));
    assertEquals(4, server.requestCount());
  }

  @Test
  void dateWithoutDataLandsOneEmptyPage() {
    PullResult result = pull(flights(server).build(), LocalDate.of(2001, 3, 1));

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(1, result.pages().size());
    assertEquals(0, result.recordCount());
    assertTrue(result.pages().get(0).valid());
  }

  @Test
  void followsNextLinks() {
    PullResult result =
        pull(flights(server).pagination(Pagination.nextLink("next")).build(), DAY_2);

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(FlightPulls.ids(DAY_2),
        result.pages().stream().flatMap(p -> FlightPulls.recordIds(landed(p)).stream())
            .collect(Collectors.toList()));
    assertEquals(
        server.baseUri() + "/v1/flights?date=2001-01-16&page=2&page_size=5",
        result.pages().get(1).url());
    assertEquals(
        Optional.of(new PageCursor(3, "/v1/flights?date=2001-01-16&page=3&page_size=5")),
        result.pages().get(1).next());
  }

  @Test
  void followsCursors() throws Exception {
    HttpServer api = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    List<String> queries = new ArrayList<>();
    api.createContext("/items", exchange -> {
      String query = exchange.getRequestURI().getQuery();
      queries.add(query);
      String body = query.contains("after=c2") ? "{\"data\":[{\"id\":3}],\"paging\":{}}"
          : query.contains("after=c1") ? "{\"data\":[{\"id\":2}],\"paging\":{\"next\":\"c2\"}}"
          : "{\"data\":[{\"id\":1}],\"paging\":{\"next\":\"c1\"}}";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    api.start();
    try {
      HttpSourceSpec spec = HttpSourceSpec.builder("items")
          .baseUrl("http://127.0.0.1:" + api.getAddress().getPort())
          .path("/items")
          .queryParam("kind", "all")
          .windowParam("day")
          .pagination(Pagination.cursor("/paging/next", "after"))
          .recordsField("data")
          .build();

      PullResult result = new HttpPageSource(spec, ENV).pull(DAY_1, landing);

      assertEquals(PullStatus.COMPLETE, result.status());
      assertEquals(List.of("kind=all&day=2001-01-15", "kind=all&day=2001-01-15&after=c1",
          "kind=all&day=2001-01-15&after=c2"), queries);
      assertEquals(3, result.recordCount());
      assertEquals(Optional.of(new PageCursor(2, "c1")), result.pages().get(0).next());
    } finally {
      api.stop(0);
    }
  }

  @Test
  void rateLimitWithRetryAfterIsWaitedOut() {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 2, Fault.rateLimit(1)).build());

    long start = System.nanoTime();
    PullResult result = pull(flights(server).build(), DAY_1);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(2, result.pages().get(1).attempts());
    assertEquals(FlightPulls.ids(DAY_1, 2), FlightPulls.recordIds(landed(result.pages().get(1))));
    assertTrue(millis >= 990, "Retry-After: 1 was honoured, pull took " + millis + " ms");
    assertTrue(millis < 3000, "pull took " + millis + " ms");
  }

  @Test
  void retryAfterIsIgnoredWhenNotHonoured() {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 2, Fault.rateLimit(1)).build());

    long start = System.nanoTime();
    PullResult result = pull(flights(server).honourRetryAfter(false).build(), DAY_1);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(PullStatus.COMPLETE, result.status());
    assertTrue(millis < 900, "backoff alone, pull took " + millis + " ms");
  }

  @Test
  void serverErrorsAreRetried() {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 1, 2, Fault.serverError()).build());

    PullResult result = pull(flights(server).build(), DAY_1);

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(3, result.pages().get(0).attempts());
    assertEquals(3, server.requestCount(DAY_1, 1));
    assertEquals(List.of(3, 1, 1),
        result.pages().stream().map(LandedPage::attempts).collect(Collectors.toList()));
  }

  @Test
  void slowAnswerTimesOutAndIsRetried() {
    server.setFaultPlan(
        FaultPlan.builder().onPage(DAY_1, 2, Fault.slow(Duration.ofSeconds(3))).build());

    long start = System.nanoTime();
    PullResult result =
        pull(flights(server).requestTimeout(Duration.ofMillis(300)).build(), DAY_1);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(2, result.pages().get(1).attempts());
    assertArrayEquals(pulls.bytes(DAY_1, 2), landed(result.pages().get(1)));
    assertTrue(millis >= 300 && millis < 2000, "pull took " + millis + " ms");
  }

  @Test
  void truncatedAndHtmlBodiesAreRetriedUntilValid() {
    server.setFaultPlan(
        FaultPlan.builder()
            .onPage(DAY_1, 1, Fault.truncatedBody())
            .onPage(DAY_1, 2, Fault.htmlErrorPage(200))
            .onPage(DAY_1, 3, Fault.htmlErrorPage(502))
            .build());

    PullResult result = pull(flights(server).build(), DAY_1);

    assertEquals(PullStatus.COMPLETE, result.status());
    for (int i = 0; i < 3; i++) {
      LandedPage page = result.pages().get(i);
      assertEquals(2, page.attempts());
      assertTrue(page.valid());
      assertArrayEquals(pulls.bytes(DAY_1, i + 1), landed(page));
    }
    // Only the good bodies were landed.
    assertEquals(3, result.pages().stream().map(LandedPage::sha256).distinct().count());
  }

  @Test
  void persistentHtmlIsLandedInvalidAndStopsTheWindow() throws Exception {
    server.setFaultPlan(
        FaultPlan.builder().onPage(DAY_1, 2, 100, Fault.htmlErrorPage(200)).build());

    PullResult result = pull(flights(server).maxRetries(2).build(), DAY_1);

    assertEquals(PullStatus.STOPPED_ON_INVALID_PAGE, result.status());
    assertEquals(Optional.of(PageCursor.atPage(2)), result.resumeFrom());
    assertEquals(2, result.pages().size());
    LandedPage bad = result.pages().get(1);
    assertFalse(bad.valid());
    assertEquals(3, bad.attempts());
    assertEquals(200, bad.statusCode());
    assertTrue(bad.invalidReason().orElseThrow().startsWith(
        "body is HTML (content-type text/html; charset=utf-8), not JSON"),
        bad.invalidReason().orElseThrow());
    assertTrue(new String(landed(bad), StandardCharsets.UTF_8).contains("<html>"));
    assertEquals(Optional.empty(), bad.next());
    assertEquals(0, server.requestCount(DAY_1, 3));

    List<LandedPage> rows = LandingManifest.at(landing).read(DAY_1);
    assertEquals(result.pages(), rows);
    String manifest = Files.readString(LandingManifest.at(landing).file(DAY_1));
    assertTrue(manifest.contains("\"valid\":false,\"reason\":\"body is HTML"), manifest);
    assertEquals(Optional.of(PageCursor.atPage(2)),
        LandingManifest.at(landing).resumePoint(DAY_1));

    server.setFaultPlan(FaultPlan.none());
    PullResult resumed = new HttpPageSource(flights(server).build(), ENV)
        .pull(DAY_1, landing, result.resumeFrom().orElseThrow());
    assertEquals(PullStatus.COMPLETE, resumed.status());
    assertEquals(List.of(2, 3),
        resumed.pages().stream().map(LandedPage::pageNumber).collect(Collectors.toList()));
  }

  @Test
  void truncatedBodyReasonSaysWhereTheJsonEnds() {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 1, 100, Fault.truncatedBody()).build());

    PullResult result = pull(flights(server).maxRetries(1).build(), DAY_1);

    LandedPage bad = result.pages().get(0);
    assertEquals(PullStatus.STOPPED_ON_INVALID_PAGE, result.status());
    String reason = bad.invalidReason().orElseThrow();
    assertTrue(reason.startsWith("body is not valid JSON: Unexpected end-of-input"), reason);
    assertTrue(reason.contains(" at line "), reason);
    assertEquals(pulls.bytes(DAY_1, 1).length / 2, bad.byteSize());
  }

  @Test
  void repeatedRecordsAreLandedAsServed() {
    server.setFaultPlan(
        FaultPlan.builder().onPage(DAY_1, 2, Fault.repeatPreviousPageRecords()).build());

    PullResult result = pull(flights(server).build(), DAY_1);

    assertEquals(PullStatus.COMPLETE, result.status());
    assertEquals(List.of(5, 10, 5),
        result.pages().stream().map(LandedPage::recordCount).collect(Collectors.toList()));
    List<Long> page2 = FlightPulls.recordIds(landed(result.pages().get(1)));
    assertTrue(page2.containsAll(FlightPulls.ids(DAY_1, 1)));
    assertTrue(page2.containsAll(FlightPulls.ids(DAY_1, 2)));
    List<Long> all = result.pages().stream()
        .flatMap(p -> FlightPulls.recordIds(landed(p)).stream()).collect(Collectors.toList());
    assertEquals(20, all.size());
    assertEquals(15, all.stream().distinct().count());
  }

  @Test
  void persistentFailureThrowsWithWhatWasLandedAndResumes() {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 2, 100, Fault.serverError()).build());
    HttpPageSource source = new HttpPageSource(flights(server).maxRetries(2).build(), ENV);

    HttpSourceException e =
        assertThrows(HttpSourceException.class, () -> source.pull(DAY_1, landing));

    assertEquals(
        "Cannot pull source 'flights_api' window 2001-01-15 page 2: the server answered 500 on"
            + " the last of 3 attempts at " + server.baseUri()
            + "/v1/flights?date=2001-01-15&page=2&page_size=5. Pages before it are landed; rerun"
            + " later from page 2, or raise retry.max_retries or request.timeout",
        e.getMessage());
    PullResult partial = e.partialResult().orElseThrow();
    assertEquals(PullStatus.FAILED, partial.status());
    assertEquals(1, partial.pages().size());
    assertEquals(Optional.of(PageCursor.atPage(2)), partial.resumeFrom());
    assertEquals(Optional.of(PageCursor.atPage(2)),
        LandingManifest.at(landing).resumePoint(DAY_1));
    assertEquals(3, server.requestCount(DAY_1, 2));

    server.setFaultPlan(FaultPlan.none());
    PullResult resumed =
        source.pull(DAY_1, landing, LandingManifest.at(landing).resumePoint(DAY_1).orElseThrow());
    assertEquals(PullStatus.COMPLETE, resumed.status());
    assertEquals(3, LandingManifest.at(landing).read(DAY_1).size());
    assertEquals(FlightPulls.ids(DAY_1),
        LandingManifest.at(landing).read(DAY_1).stream()
            .flatMap(p -> FlightPulls.recordIds(landed(p)).stream()).collect(Collectors.toList()));
  }

  @Test
  void maxPagesStopsAndResumes() {
    HttpPageSource source = new HttpPageSource(flights(server).maxPages(2).build(), ENV);

    PullResult first = source.pull(DAY_1, landing);
    assertEquals(PullStatus.MAX_PAGES_REACHED, first.status());
    assertEquals(2, first.lastPage());
    assertEquals(Optional.of(PageCursor.atPage(3)), first.resumeFrom());

    PullResult rest = source.pull(DAY_1, landing, first.resumeFrom().orElseThrow());
    assertEquals(PullStatus.COMPLETE, rest.status());
    assertEquals(3, rest.lastPage());
    assertEquals(3, server.requestCount());
  }

  @Test
  void bareResumePageNeedsPageNumberPagination() {
    HttpPageSource source =
        new HttpPageSource(flights(server).pagination(Pagination.nextLink("next")).build(), ENV);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> source.pull(DAY_1, landing, PageCursor.atPage(2)));
    assertTrue(e.getMessage().startsWith(
        "Cannot pull source 'flights_api' window 2001-01-15 from page 2: pagination mode"
            + " next_link needs the token"), e.getMessage());
  }

  @Test
  void rateLimitSpacesRequests() {
    long start = System.nanoTime();
    pull(flights(server).requestsPerSecond(20).build(), DAY_1);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(millis >= 95, "3 requests at 20/s take at least 100 ms, took " + millis);
  }

  @Test
  void refusedRequestIsNotRetried() {
    HttpPageSource source = new HttpPageSource(flights(server).path("/v1/flight").build(), ENV);

    HttpSourceException e =
        assertThrows(HttpSourceException.class, () -> source.pull(DAY_1, landing));

    assertTrue(e.getMessage().startsWith("Cannot pull source 'flights_api' window 2001-01-15"
        + " page 1: the server refused " + server.baseUri() + "/v1/flight?date=2001-01-15"),
        e.getMessage());
    assertTrue(e.getMessage().contains("status 404"), e.getMessage());
    assertTrue(e.getMessage().contains("no such resource"), e.getMessage());
    assertEquals(0, e.partialResult().orElseThrow().pages().size());
  }

  @Test
  void nextLinkToAnotherHostIsNotFollowed() throws Exception {
    HttpServer api = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext("/v1/flights", exchange -> {
      byte[] bytes = "{\"records\":[{\"id\":1}],\"next\":\"http://evil.example/steal\"}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    api.start();
    try {
      HttpSourceSpec spec = HttpSourceSpec.builder("flights_api")
          .baseUrl("http://127.0.0.1:" + api.getAddress().getPort())
          .path("/v1/flights")
          .windowParam("date")
          .pagination(Pagination.nextLink("next"))
          .bearerToken(TOKEN_ENV)
          .build();

      HttpSourceException e = assertThrows(HttpSourceException.class,
          () -> new HttpPageSource(spec, ENV).pull(DAY_1, landing));

      assertTrue(e.getMessage().contains("the next link http://evil.example/steal leaves"
          + " base_url"), e.getMessage());
      assertEquals(1, e.partialResult().orElseThrow().pages().size());
    } finally {
      api.stop(0);
    }
  }

  @Test
  void tokenIsSentButNeverShown() throws Exception {
    server.close();
    server = ReplayApiServer.builder(pulls.root()).bearerToken(TOKEN).build().start();
    HttpSourceSpec spec = flights(server).bearerToken(TOKEN_ENV).maxRetries(1).build();
    HttpPageSource source = new HttpPageSource(spec, ENV);
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 2, 100, Fault.serverError()).build());

    HttpSourceException failure =
        assertThrows(HttpSourceException.class, () -> source.pull(DAY_1, landing));
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_2, 1, 100, Fault.htmlErrorPage(200))
        .build());
    PullResult invalid = source.pull(DAY_2, landing);
    server.setFaultPlan(FaultPlan.none());
    PullResult result = source.pull(DAY_1, landing, failure.partialResult().orElseThrow()
        .resumeFrom().orElseThrow());

    assertEquals(PullStatus.COMPLETE, result.status(), "the token was sent");
    assertEquals(PullStatus.STOPPED_ON_INVALID_PAGE, invalid.status());
    List<String> shown = new ArrayList<>(List.of(
        spec.toString(),
        source.toString(),
        result.toString(),
        invalid.toString(),
        failure.toString(),
        String.valueOf(failure.partialResult()),
        Files.readString(LandingManifest.at(landing).file(DAY_1)),
        Files.readString(LandingManifest.at(landing).file(DAY_2))));
    for (Throwable t = failure.getCause(); t != null; t = t.getCause()) {
      shown.add(t.toString());
    }
    for (String text : shown) {
      assertFalse(text.contains(TOKEN), "token leaked into: " + text);
    }
  }

  @Test
  void tokenInAUrlIsMaskedInTheManifest() throws Exception {
    // Someone put the token in a static parameter as well: the URL kept must not show it.
    HttpSourceSpec spec = flights(server).bearerToken(TOKEN_ENV).queryParam("key", TOKEN).build();

    PullResult result = new HttpPageSource(spec, ENV).pull(DAY_1, landing);

    assertTrue(result.pages().get(0).url().contains("key=****&date=2001-01-15"),
        result.pages().get(0).url());
    assertFalse(Files.readString(LandingManifest.at(landing).file(DAY_1)).contains(TOKEN));
  }

  @Test
  void wrongTokenNamesTheVariableNotTheValue() {
    server.close();
    server = ReplayApiServer.builder(pulls.root()).bearerToken(TOKEN).build().start();
    String wrong = "tok-wrong-1234567890";
    HttpPageSource source =
        new HttpPageSource(flights(server).bearerToken(TOKEN_ENV).build(),
            Map.of(TOKEN_ENV, wrong)::get);

    HttpSourceException e =
        assertThrows(HttpSourceException.class, () -> source.pull(DAY_1, landing));

    assertEquals(
        "Cannot pull source 'flights_api' window 2001-01-15 page 1: the server answered 401"
            + " Unauthorized. Check that environment variable FLIGHTS_API_TOKEN (auth.token_env)"
            + " holds a valid token for " + server.baseUri(),
        e.getMessage());
    assertFalse(e.getMessage().contains(wrong));
    assertEquals(1, server.requestCount(), "401 is not retried");
  }

  @Test
  void missingTokenVariableFailsBeforeAnyRequest() {
    server.close();
    server = ReplayApiServer.builder(pulls.root()).bearerToken(TOKEN).build().start();
    HttpPageSource source =
        new HttpPageSource(flights(server).bearerToken(TOKEN_ENV).build(), name -> null);

    HttpSourceException e =
        assertThrows(HttpSourceException.class, () -> source.pull(DAY_1, landing));

    assertEquals(
        "Cannot pull source 'flights_api': environment variable FLIGHTS_API_TOKEN"
            + " (auth.token_env) is not set or is empty. Export the API token in"
            + " FLIGHTS_API_TOKEN before running",
        e.getMessage());
    assertEquals(0, server.requestCount());
  }

  @Test
  void sourceWithoutAuthIsToldToConfigureIt() {
    server.close();
    server = ReplayApiServer.builder(pulls.root()).bearerToken(TOKEN).build().start();

    HttpSourceException e =
        assertThrows(HttpSourceException.class, () -> pull(flights(server).build(), DAY_1));

    assertTrue(e.getMessage().endsWith("The source sends no credentials: set auth.header and"
        + " auth.token_env, and export the token in that environment variable"), e.getMessage());
  }

  @Test
  void noTemporaryFilesAreLeftBehind() throws Exception {
    pull(flights(server).build(), DAY_1);

    for (Path file : filesUnder(landing)) {
      String name = file.getFileName().toString();
      assertTrue(name.matches("[0-9a-f]{64}\\.json") || name.equals("2001-01-15.jsonl"), name);
    }
  }
}
