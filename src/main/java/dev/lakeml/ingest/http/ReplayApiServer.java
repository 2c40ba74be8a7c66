package dev.lakeml.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.lakeml.http.JsonHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves bundled pulls over loopback as the flights API does, so pulls can be replayed offline,
 * with deterministic faults injected on request.
 *
 * <p>Endpoints (all answer JSON):
 *
 * <ul>
 *   <li>{@code GET /v1/flights?date=yyyy-MM-dd&page=P&page_size=N}: the file {@code
 *       <pullsDir>/<date>/page-000P.json} as it is on disk. {@code page} defaults to 1; {@code
 *       page_size} is checked but the files decide the page size. Should a file's {@code next} not
 *       point at page P+1 of the same date (or not be null on the last page), it is corrected. A
 *       date without a folder, or a page past the last, is a 200 page with no records and {@code
 *       next: null}. A bad parameter is a 400 with {@code {"error", "message"}}.
 *   <li>{@code POST /admin/faults} with a {@link FaultPlan} as JSON installs it; {@code DELETE
 *       /admin/faults} removes it; {@code GET /admin/stats} gives {@code {"requests": n}}.
 * </ul>
 *
 * <p>With a bearer token configured, every endpoint answers 401 unless the request has {@code
 * Authorization: Bearer <token>}.
 *
 * <p>Binds 127.0.0.1 only. Port 0 (the default) takes a free ephemeral port; read it with {@link
 * #port()} after {@link #start()}.
 *
 * <p>From a shell: {@code java -cp <classpath> dev.lakeml.ingest.http.ReplayApiServer --dir
 * <pullsDir> [--port N] [--token-env VAR] [--faults plan.json]}.
 */
public final class ReplayApiServer extends JsonHttpServer {
  /** The path of the flights resource. */
  public static final String FLIGHTS_PATH = "/v1/flights";

  private static final String FAULTS_PATH = "/admin/faults";
  private static final String STATS_PATH = "/admin/stats";
  private static final ObjectMapper MAPPER = JSON;
  private static final String HTML_ERROR =
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502"
          + " Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";

  private final PullsDirectory pulls;
  private final String bearerToken;
  private final String sourceName;
  private final AtomicReference<ArmedFaults> faults;
  private final AtomicInteger requests = new AtomicInteger();
  private final Map<String, AtomicInteger> requestsByPage = new ConcurrentHashMap<>();
  private volatile boolean started;

  private ReplayApiServer(Builder b) {
    // Several threads, so that a SLOW answer does not hold back the client's retry.
    super("replay server", InetAddress.getLoopbackAddress().getHostAddress(), b.port, 0);
    this.pulls = new PullsDirectory(b.pullsDir);
    this.bearerToken = b.bearerToken;
    this.sourceName = b.sourceName;
    this.faults = new AtomicReference<>(new ArmedFaults(b.faultPlan));
  }

  /** A server for the pulls under {@code pullsDir}, which must be a directory. */
  public static Builder builder(Path pullsDir) {
    return new Builder(pullsDir);
  }

  /**
   * Binds 127.0.0.1 and starts serving.
   *
   * @throws UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started
   */
  public ReplayApiServer start() {
    bind();
    started = true;
    return this;
  }

  /** Replaces the fault plan; its request and page counts start from zero now. */
  public void setFaultPlan(FaultPlan plan) {
    faults.set(new ArmedFaults(Objects.requireNonNull(plan, "plan")));
  }

  /** Requests received on {@link #FLIGHTS_PATH} since start, refused ones included. */
  public int requestCount() {
    return requests.get();
  }

  /** Requests received for one page of one date since start. */
  public int requestCount(LocalDate date, int page) {
    AtomicInteger n = requestsByPage.get(date + "#" + page);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    started = false;
    super.close();
  }

  @Override
  protected void handle(HttpExchange exchange) {
    try {
      String path = exchange.getRequestURI().getPath();
      if (path.equals(FLIGHTS_PATH)) {
        requests.incrementAndGet();
      }
      if (!authorized(exchange)) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"replay\"");
        sendError(exchange, 401, "unauthorized",
            "Cannot serve " + path + ": missing or wrong bearer token. Send Authorization: Bearer"
                + " <token>");
      } else if (path.equals(FLIGHTS_PATH)) {
        requireMethod(exchange, "GET");
        serveFlights(exchange);
      } else if (path.equals(FAULTS_PATH)) {
        serveFaults(exchange);
      } else if (path.equals(STATS_PATH)) {
        requireMethod(exchange, "GET");
        ObjectNode stats = MAPPER.createObjectNode().put("requests", requests.get());
        send(exchange, 200, "application/json", MAPPER.writeValueAsBytes(stats));
      } else {
        sendError(exchange, 404, "not_found",
            "Cannot serve " + path + ": no such resource. Use " + FLIGHTS_PATH);
      }
    } catch (BadRequest e) {
      trySendError(exchange, e.status, e.error, e.getMessage());
    } catch (IOException | RuntimeException e) {
      trySendError(exchange, 500, "internal", "Cannot serve the request: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // server closing
    }
  }

  private boolean authorized(HttpExchange exchange) {
    if (bearerToken == null) {
      return true;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    byte[] expected = ("Bearer " + bearerToken).getBytes(StandardCharsets.UTF_8);
    return header != null
        && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
  }

  private void serveFaults(HttpExchange exchange) throws IOException, BadRequest {
    switch (exchange.getRequestMethod()) {
      case "POST" -> {
        String body =
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        FaultPlan plan;
        try {
          plan = FaultPlan.fromJson(body);
        } catch (IllegalArgumentException e) {
          throw new BadRequest(400, "bad_fault_plan", e.getMessage());
        }
        setFaultPlan(plan);
        send(exchange, 200, "application/json",
            MAPPER.writeValueAsBytes(MAPPER.createObjectNode().put("rules", plan.rules().size())));
      }
      case "DELETE" -> {
        setFaultPlan(FaultPlan.none());
        send(exchange, 200, "application/json",
            MAPPER.writeValueAsBytes(MAPPER.createObjectNode().put("rules", 0)));
      }
      default -> {
        exchange.getResponseHeaders().set("Allow", "POST, DELETE");
        throw new BadRequest(405, "method_not_allowed",
            "Cannot serve " + exchange.getRequestMethod() + " " + FAULTS_PATH
                + ": use POST with a fault plan, or DELETE");
      }
    }
  }

  private void serveFlights(HttpExchange exchange)
      throws IOException, BadRequest, InterruptedException {
    FlightsQuery query = FlightsQuery.parse(exchange.getRequestURI().getRawQuery());
    requestsByPage
        .computeIfAbsent(query.date + "#" + query.page, k -> new AtomicInteger())
        .incrementAndGet();
    Optional<Fault> fault = faults.get().next(query.date, query.page);
    FaultKind kind = fault.map(Fault::kind).orElse(null);
    if (kind == FaultKind.RATE_LIMIT_429) {
      exchange.getResponseHeaders()
          .set("Retry-After", Integer.toString(fault.get().retryAfterSeconds()));
      sendError(exchange, 429, "rate_limited", "Too many requests; retry after "
          + fault.get().retryAfterSeconds() + " s");
      return;
    }
    if (kind == FaultKind.SERVER_ERROR_500) {
      sendError(exchange, 500, "internal", "Injected server error");
      return;
    }
    if (kind == FaultKind.HTML_ERROR_PAGE) {
      send(exchange, fault.get().status(), "text/html; charset=utf-8",
          HTML_ERROR.getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (kind == FaultKind.SLOW) {
      Thread.sleep(fault.get().delay().toMillis());
    }
    byte[] body = pageBody(query, kind == FaultKind.REPEAT_PREVIOUS_PAGE_RECORDS);
    if (kind == FaultKind.TRUNCATED_BODY) {
      body = Arrays.copyOf(body, body.length / 2);
    }
    send(exchange, 200, "application/json", body);
  }

  private byte[] pageBody(FlightsQuery query, boolean repeatPrevious) throws IOException {
    int total = pulls.pageCount(query.date);
    if (query.page > total) {
      return emptyPage(query, total);
    }
    byte[] raw = pulls.page(query.date, query.page)
        .orElseThrow(() -> new IOException("page file " + query.page + " of " + query.date
            + " is missing under " + pulls.root() + " although page " + total + " exists"));
    JsonNode page = MAPPER.readTree(raw);
    String expectedNext = query.page < total ? nextLink(query, page) : null;
    boolean nextIsRight = Objects.equals(expectedNext, textOrNull(page.get("next")))
        || (expectedNext != null && pointsAt(textOrNull(page.get("next")), query.date,
            query.page + 1));
    if (nextIsRight && (!repeatPrevious || query.page == 1)) {
      return raw; // as bundled, byte for byte
    }
    ObjectNode served = page.deepCopy();
    if (!nextIsRight) {
      served.put("next", expectedNext);
    }
    if (repeatPrevious && query.page > 1) {
      JsonNode previous = MAPPER.readTree(pulls.page(query.date, query.page - 1).orElseThrow(
          () -> new IOException("page file " + (query.page - 1) + " of " + query.date
              + " is missing")));
      ArrayNode records = MAPPER.createArrayNode();
      for (JsonNode record : previous.path("records")) {
        records.add(record);
      }
      for (JsonNode record : page.path("records")) {
        records.add(record);
      }
      served.set("records", records);
    }
    return MAPPER.writeValueAsBytes(served);
  }

  private static String nextLink(FlightsQuery query, JsonNode page) {
    JsonNode size = page.path("request").path("page_size");
    String pageSize = size.isIntegralNumber() ? size.asText()
        : query.pageSize == null ? null : query.pageSize.toString();
    return FLIGHTS_PATH + "?date=" + query.date + "&page=" + (query.page + 1)
        + (pageSize == null ? "" : "&page_size=" + pageSize);
  }

  private static boolean pointsAt(String link, LocalDate date, int page) {
    if (link == null) {
      return false;
    }
    try {
      URI uri = URI.create(link);
      if (!FLIGHTS_PATH.equals(uri.getPath())) {
        return false;
      }
      FlightsQuery q = FlightsQuery.parse(uri.getRawQuery());
      return q.date.equals(date) && q.page == page;
    } catch (IllegalArgumentException | BadRequest e) {
      return false;
    }
  }

  private byte[] emptyPage(FlightsQuery query, int total) throws IOException {
    ObjectNode body = MAPPER.createObjectNode();
    Optional<byte[]> first = total > 0 ? pulls.page(query.date, 1) : Optional.empty();
    JsonNode firstPage = first.isPresent() ? MAPPER.readTree(first.get()) : null;
    body.put("source",
        firstPage != null && firstPage.hasNonNull("source") ? firstPage.get("source").asText()
            : sourceName);
    ObjectNode request = body.putObject("request");
    request.put("date", query.date.toString());
    request.put("page", query.page);
    if (query.pageSize == null) {
      request.putNull("page_size");
    } else {
      request.put("page_size", query.pageSize);
    }
    body.put("page", query.page);
    body.put("total_pages", total);
    body.put("total_records",
        firstPage != null ? firstPage.path("total_records").asLong(0) : 0);
    body.putNull("next");
    body.putArray("records");
    return MAPPER.writeValueAsBytes(body);
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  /** The query of a flights request, checked. */
  private record FlightsQuery(LocalDate date, int page, Integer pageSize) {
    static FlightsQuery parse(String rawQuery) throws BadRequest {
      Map<String, String> params = new HashMap<>();
      if (rawQuery != null && !rawQuery.isEmpty()) {
        for (String pair : rawQuery.split("&")) {
          int eq = pair.indexOf('=');
          String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq),
              StandardCharsets.UTF_8);
          String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1),
              StandardCharsets.UTF_8);
          if (params.put(key, value) != null) {
            throw badParam(key + " is given twice", "Give each parameter once");
          }
        }
      }
      String dateText = params.get("date");
      if (dateText == null) {
        throw badParam("date is required", "Add ?date=yyyy-MM-dd");
      }
      LocalDate date;
      try {
        date = LocalDate.parse(dateText);
      } catch (DateTimeParseException e) {
        throw badParam("date must be yyyy-MM-dd, got '" + dateText + "'", "e.g. date=2001-01-15");
      }
      int page = positiveInt(params, "page", 1);
      Integer pageSize =
          params.containsKey("page_size") ? positiveInt(params, "page_size", 0) : null;
      return new FlightsQuery(date, page, pageSize);
    }

    private static int positiveInt(Map<String, String> params, String key, int absent)
        throws BadRequest {
      String text = params.get(key);
      if (text == null) {
        return absent;
      }
      try {
        int value = Integer.parseInt(text);
        if (value >= 1) {
          return value;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw badParam(key + " must be an integer >= 1, got '" + text + "'",
          "e.g. " + key + "=1");
    }

    private static BadRequest badParam(String reason, String fix) {
      return new BadRequest(400, "bad_request",
          "Cannot serve " + FLIGHTS_PATH + ": " + reason + ". " + fix);
    }
  }

  /** A request the server answers with a 4xx and a message, not a page. */
  /** How a server is set up; {@link #build()} checks it. */
  public static final class Builder {
    private final Path pullsDir;
    private int port;
    private String bearerToken;
    private String sourceName = "bts-ontime";
    private FaultPlan faultPlan = FaultPlan.none();

    private Builder(Path pullsDir) {
      this.pullsDir = pullsDir;
    }

    /** The port to bind on 127.0.0.1; 0 (the default) for a free ephemeral port. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Requires {@code Authorization: Bearer <token>} on every request. */
    public Builder bearerToken(String token) {
      this.bearerToken = token;
      return this;
    }

    /** The {@code source} of empty pages for dates without a folder (default bts-ontime). */
    public Builder sourceName(String sourceName) {
      this.sourceName = sourceName;
      return this;
    }

    /** The faults to inject from start; see {@link FaultPlan}. */
    public Builder faultPlan(FaultPlan faultPlan) {
      this.faultPlan = faultPlan;
      return this;
    }

    public ReplayApiServer build() {
      if (pullsDir == null || !Files.isDirectory(pullsDir)) {
        throw new IllegalArgumentException(
            "Cannot serve pulls from " + pullsDir + ": it is not a directory. Give the folder"
                + " holding <yyyy-MM-dd>/page-0001.json files");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "Cannot serve pulls on port " + port + ": a port is 0 to 65535 (0 for a free one)");
      }
      if (bearerToken != null && bearerToken.isBlank()) {
        throw new IllegalArgumentException(
            "Cannot require a bearer token: it is empty. Give a token, or none for no auth");
      }
      Objects.requireNonNull(faultPlan, "faultPlan");
      Objects.requireNonNull(sourceName, "sourceName");
      return new ReplayApiServer(this);
    }
  }

  @Override
  public String toString() {
    return "ReplayApiServer[" + pulls.root() + (bearerToken == null ? "" : ", bearer auth")
        + (started ? ", port " + port() : ", stopped") + "]";
  }

  private static final String USAGE =
      "Usage: ReplayApiServer --dir <pullsDir> [--port N] [--token-env VAR] [--faults plan.json]\n"
          + "  --dir        folder of <yyyy-MM-dd>/page-0001.json files to serve\n"
          + "  --port       port on 127.0.0.1 (default 0: a free port, printed at start)\n"
          + "  --token-env  environment variable holding a bearer token to require\n"
          + "  --faults     a fault plan as JSON (see FaultPlan) to inject from start";

  /** Runs a server until the process is stopped; prints its base URL on the first line. */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--help") || name.equals("-h")) {
        System.out.println(USAGE);
        return;
      }
      if (!Arrays.asList("--dir", "--port", "--token-env", "--faults").contains(name)
          || i + 1 >= args.length) {
        usageError(i + 1 >= args.length && name.startsWith("--")
            ? name + " needs a value" : "unknown argument '" + name + "'");
        return;
      }
      options.put(name, args[++i]);
    }
    if (!options.containsKey("--dir")) {
      usageError("--dir is required");
      return;
    }
    Builder builder = builder(Path.of(options.get("--dir")));
    try {
      builder.port(Integer.parseInt(options.getOrDefault("--port", "0")));
    } catch (NumberFormatException e) {
      usageError("--port must be a number, got '" + options.get("--port") + "'");
      return;
    }
    if (options.containsKey("--token-env")) {
      String token = System.getenv(options.get("--token-env"));
      if (token == null || token.isBlank()) {
        usageError("environment variable " + options.get("--token-env") + " (--token-env) is"
            + " not set or empty. Export the token in it");
        return;
      }
      builder.bearerToken(token.strip());
    }
    ReplayApiServer server;
    try {
      if (options.containsKey("--faults")) {
        builder.faultPlan(
            FaultPlan.fromJson(Files.readString(Path.of(options.get("--faults")))));
      }
      server = builder.build().start();
    } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
      usageError(e.getMessage());
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }));
    System.out.println(server.baseUri());
    System.out.println("Serving " + Path.of(options.get("--dir")).toAbsolutePath() + " at "
        + server.baseUri() + FLIGHTS_PATH + " until stopped (Ctrl-C)");
    System.out.flush();
    stopped.await();
  }

  private static void usageError(String message) {
    System.err.println("Cannot start the replay server: " + message);
    System.err.println(USAGE);
    System.exit(2);
  }

}
