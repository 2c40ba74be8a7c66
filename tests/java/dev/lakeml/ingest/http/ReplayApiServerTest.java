package dev.lakeml.ingest.http;

import static dev.lakeml.ingest.http.FlightPulls.DAY_1;
import static dev.lakeml.ingest.http.FlightPulls.DAY_2;
import static dev.lakeml.ingest.http.FlightPulls.MAPPER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayApiServerTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path pullsDir;
  private FlightPulls pulls;
  private ReplayApiServer server;

  @BeforeEach
  void startServer() {
    pulls = FlightPulls.writeTo(pullsDir);
    server = ReplayApiServer.builder(pullsDir).build().start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private HttpResponse<byte[]> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(server.baseUri() + pathAndQuery))
            .timeout(Duration.ofSeconds(5));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> send(String method, String path, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.baseUri() + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
    return MAPPER.readTree(response.body());
  }

  private static String flights(LocalDate date, int page) {
    return "/v1/flights?date=" + date + "&page=" + page + "&page_size=5";
  }

  @Test
  void servesPageFilesByteForByteAndCountsRequests() throws Exception {
    for (LocalDate date : List.of(DAY_1, DAY_2)) {
      for (int page = 1; page <= 3; page++) {
        HttpResponse<byte[]> response = get(flights(date, page));
        assertEquals(200, response.statusCode());
        assertEquals("application/json",
            response.headers().firstValue("content-type").orElseThrow());
        assertArrayEquals(pulls.bytes(date, page), response.body());
      }
    }
    get(flights(DAY_1, 2));

    assertEquals(7, server.requestCount());
    assertEquals(2, server.requestCount(DAY_1, 2));
    assertEquals(1, server.requestCount(DAY_2, 3));
    assertEquals(0, server.requestCount(DAY_2, 4));
    assertTrue(server.port() > 0);
  }

  @Test
  void dateWithoutFolderIsAnEmptyPage() throws Exception {
    HttpResponse<byte[]> response = get(flights(LocalDate.of(2001, 2, 1), 1));

    assertEquals(200, response.statusCode());
    JsonNode body = json(response);
    assertEquals(0, body.get("total_pages").intValue());
    assertTrue(body.get("next").isNull());
    assertEquals(0, body.get("records").size());
    assertEquals("2001-02-01", body.path("request").path("date").asText());
  }

  @Test
  void pagePastTheLastIsEmpty() throws Exception {
    JsonNode body = json(get(flights(DAY_1, 4)));

    assertEquals(3, body.get("total_pages").intValue());
    assertEquals(15, body.get("total_records").intValue());
    assertEquals(0, body.get("records").size());
    assertTrue(body.get("next").isNull());
  }

  @Test
  void badParametersAre400WithAMessage() throws Exception {
    List<String> bad =
        List.of(
            "/v1/flights",
            "/v1/flights?date=2001-13-01",
            "/v1/flights?date=2001-01-15&page=0",
            "/v1/flights?date=2001-01-15&page=two",
            "/v1/flights?date=2001-01-15&page_size=-5",
            "/v1/flights?date=2001-01-15&date=2001-01-16");
    List<String> messages = new ArrayList<>();
    for (String query : bad) {
      HttpResponse<byte[]> response = get(query);
      assertEquals(400, response.statusCode(), query);
      assertEquals("bad_request", json(response).get("error").asText());
      messages.add(json(response).get("message").asText());
    }
    assertEquals("Cannot serve /v1/flights: date is required. Add ?date=yyyy-MM-dd",
        messages.get(0));
    assertTrue(messages.get(1).contains("date must be yyyy-MM-dd, got '2001-13-01'"));
    assertTrue(messages.get(3).contains("page must be an integer >= 1, got 'two'"));
    assertEquals(404, get("/v2/flights?date=2001-01-15").statusCode());
  }

  @Test
  void wrongNextInAFileIsCorrected() throws Exception {
    ObjectNode page = pulls.pageJson(DAY_1, 2);
    page.put("next", "/v1/flights?date=2001-01-15&page=2&page_size=5");
    pulls.write(DAY_1, 2, page);
    ObjectNode last = pulls.pageJson(DAY_1, 3);
    last.put("next", "/v1/flights?date=2001-01-15&page=4&page_size=5");
    pulls.write(DAY_1, 3, last);

    assertEquals("/v1/flights?date=2001-01-15&page=3&page_size=5",
        json(get(flights(DAY_1, 2))).get("next").asText());
    assertTrue(json(get(flights(DAY_1, 3))).get("next").isNull());
  }

  @Test
  void bearerTokenIsRequiredWhenConfigured() throws Exception {
    try (ReplayApiServer secured =
        ReplayApiServer.builder(pullsDir).bearerToken("t0ken").build().start()) {
      URI uri = URI.create(secured.baseUri() + flights(DAY_1, 1));
      HttpResponse<byte[]> without =
          CLIENT.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<byte[]> wrong =
          CLIENT.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer nope").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<byte[]> right =
          CLIENT.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer t0ken").build(),
              HttpResponse.BodyHandlers.ofByteArray());

      assertEquals(401, without.statusCode());
      assertEquals("unauthorized", json(without).get("error").asText());
      assertEquals(401, wrong.statusCode());
      assertEquals(200, right.statusCode());
      assertArrayEquals(pulls.bytes(DAY_1, 1), right.body());
      assertEquals(3, secured.requestCount());
    }
  }

  @Test
  void faultsByRequestNumberAndByPage() throws Exception {
    server.setFaultPlan(
        FaultPlan.builder()
            .onRequest(1, Fault.rateLimit(7))
            .onPage(DAY_1, 2, 2, Fault.serverError())
            .onPage(null, 3, Fault.htmlErrorPage(502))
            .build());

    HttpResponse<byte[]> first = get(flights(DAY_1, 1));
    assertEquals(429, first.statusCode());
    assertEquals("7", first.headers().firstValue("retry-after").orElseThrow());
    assertEquals(200, get(flights(DAY_1, 1)).statusCode());
    assertEquals(500, get(flights(DAY_1, 2)).statusCode());
    assertEquals(500, get(flights(DAY_1, 2)).statusCode());
    assertEquals(200, get(flights(DAY_1, 2)).statusCode());
    HttpResponse<byte[]> html = get(flights(DAY_2, 3));
    assertEquals(502, html.statusCode());
    assertTrue(html.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
    assertTrue(new String(html.body(), StandardCharsets.UTF_8).contains("<html>"));
    assertEquals(200, get(flights(DAY_2, 3)).statusCode());
  }

  @Test
  void truncatedBodyIsTheFirstHalfOfThePage() throws Exception {
    server.setFaultPlan(FaultPlan.builder().onPage(DAY_1, 1, Fault.truncatedBody()).build());

    HttpResponse<byte[]> response = get(flights(DAY_1, 1));

    assertEquals(200, response.statusCode());
    byte[] full = pulls.bytes(DAY_1, 1);
    assertEquals(full.length / 2, response.body().length);
    assertEquals(new String(full, StandardCharsets.UTF_8).substring(0, full.length / 2),
        new String(response.body(), StandardCharsets.UTF_8));
    assertThrows(IOException.class, () -> MAPPER.readTree(response.body()));
  }

  @Test
  void repeatedPageHoldsThePreviousPagesRecordsFirst() throws Exception {
    server.setFaultPlan(
        FaultPlan.builder().onPage(DAY_1, 2, Fault.repeatPreviousPageRecords()).build());

    byte[] body = get(flights(DAY_1, 2)).body();

    List<Long> expected = new ArrayList<>(FlightPulls.ids(DAY_1, 1));
    expected.addAll(FlightPulls.ids(DAY_1, 2));
    assertEquals(expected, FlightPulls.recordIds(body));
    assertEquals("/v1/flights?date=2001-01-15&page=3&page_size=5",
        MAPPER.readTree(body).get("next").asText());
  }

  @Test
  void slowAnswerComesAfterTheDelay() throws Exception {
    server.setFaultPlan(
        FaultPlan.builder().onPage(DAY_1, 1, Fault.slow(Duration.ofMillis(300))).build());

    long start = System.nanoTime();
    HttpResponse<byte[]> response = get(flights(DAY_1, 1));
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(200, response.statusCode());
    assertTrue(millis >= 280, "answered after " + millis + " ms");
    assertArrayEquals(pulls.bytes(DAY_1, 1), response.body());
  }

  @Test
  void faultsAreDrivenOverHttp() throws Exception {
    FaultPlan plan =
        FaultPlan.builder()
            .onRequest(2, Fault.rateLimit(1))
            .onPage(DAY_2, 1, 3, Fault.htmlErrorPage(200))
            .onPage(DAY_1, 3, Fault.slow(Duration.ofMillis(1500)))
            .build();
    assertEquals(plan, FaultPlan.fromJson(plan.toJson()));

    HttpResponse<byte[]> installed = send("POST", "/admin/faults", plan.toJson());
    assertEquals(200, installed.statusCode());
    assertEquals(3, json(installed).get("rules").intValue());
    assertEquals(200, get(flights(DAY_1, 1)).statusCode());
    assertEquals(429, get(flights(DAY_1, 1)).statusCode());

    assertEquals(200, send("DELETE", "/admin/faults", "").statusCode());
    assertArrayEquals(pulls.bytes(DAY_2, 1), get(flights(DAY_2, 1)).body());

    HttpResponse<byte[]> bad =
        send("POST", "/admin/faults", "{\"rules\":[{\"fault\":\"EXPLODE\",\"request\":1}]}");
    assertEquals(400, bad.statusCode());
    assertTrue(json(bad).get("message").asText().contains(
        "rules[0].fault must be one of RATE_LIMIT_429"), json(bad).toString());

    JsonNode stats = json(get("/admin/stats"));
    assertEquals(server.requestCount(), stats.get("requests").intValue());
    assertEquals(3, stats.get("requests").intValue());
  }

  @Test
  void builderChecksItsArguments() {
    IllegalArgumentException notDir =
        assertThrows(IllegalArgumentException.class,
            () -> ReplayApiServer.builder(pullsDir.resolve("nope")).build());
    assertTrue(notDir.getMessage().startsWith("Cannot serve pulls from"));
    assertThrows(IllegalArgumentException.class,
        () -> ReplayApiServer.builder(pullsDir).port(70000).build());
    IllegalArgumentException badRule =
        assertThrows(IllegalArgumentException.class,
            () -> FaultPlan.builder().onPage(DAY_1, 0, Fault.serverError()));
    assertTrue(badRule.getMessage().startsWith("Cannot make a fault rule"));
  }
}
