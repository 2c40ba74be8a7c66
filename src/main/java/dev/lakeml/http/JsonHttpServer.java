package dev.lakeml.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The plumbing lakeml's small HTTP servers share (the replay API for offline pulls, {@code serve}):
 * the JDK's server on one address, daemon worker threads, start/port/close, and JSON answers —
 * {@code {"error", "message"}} for every refusal, thrown as {@link BadRequest} by a handler.
 * Subclasses implement {@link #handle}.
 */
public abstract class JsonHttpServer implements AutoCloseable {
  protected static final ObjectMapper JSON = new ObjectMapper();

  static {
    // The JDK server writes headers and body in two packets; with Nagle on, each answer waits for
    // the client's delayed ACK (~40 ms). Read once, when the first HttpServer is created.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final String what;
  private final String host;
  private final int requestedPort;
  private final int threads;
  private HttpServer server;
  private ExecutorService executor;

  /**
   * @param what the server's name in messages and thread names ("replay server")
   * @param host the address to bind, e.g. {@code 127.0.0.1}
   * @param port the port; 0 takes a free one (read it with {@link #port()})
   * @param threads worker threads; 0 for as many as requests in flight
   */
  protected JsonHttpServer(String what, String host, int port, int threads) {
    this.what = what;
    this.host = host;
    this.requestedPort = port;
    this.threads = threads;
  }

  /** Answers one request; the exchange is closed afterwards whatever happens. */
  protected abstract void handle(HttpExchange exchange);

  /**
   * Binds and starts serving.
   *
   * @throws UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started
   */
  protected synchronized void bind() {
    if (server != null) {
      throw new IllegalStateException("Cannot start the " + what + ": it is already running");
    }
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), requestedPort), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot start the " + what + " on " + host + ":" + requestedPort + ": " + e.getMessage() + ". Use --port 0 for a free port, or free that port", e);
    }
    ThreadFactory daemons =
        r -> {
          Thread t = new Thread(r, what.replace(' ', '-'));
          t.setDaemon(true);
          return t;
        };
    executor = threads == 0 ? Executors.newCachedThreadPool(daemons) : Executors.newFixedThreadPool(threads, daemons);
    server.setExecutor(executor);
    server.createContext(
        "/",
        exchange -> {
          try {
            handle(exchange);
          } finally {
            exchange.close();
          }
        });
    server.start();
  }

  /** The bound port. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("Cannot tell the " + what + "'s port: call start() first");
    }
    return server.getAddress().getPort();
  }

  /** {@code http://<host>:<port>}, the base URL a client should use. */
  public URI baseUri() {
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
  }

  /** Stops serving at once; requests in progress are cut off. */
  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
    }
  }

  /** A refusal with its HTTP status, an error code for programs and a message for people. */
  public static final class BadRequest extends Exception {
    public final int status;
    public final String error;

    public BadRequest(int status, String error, String message) {
      super(message, null, false, false);
      this.status = status;
      this.error = error;
    }
  }

  /** 405 with {@code Allow} unless the request uses {@code method}. */
  protected static void requireMethod(HttpExchange exchange, String method) throws BadRequest {
    if (!exchange.getRequestMethod().equals(method)) {
      exchange.getResponseHeaders().set("Allow", method);
      throw new BadRequest(
          405, "method_not_allowed", "Cannot serve " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + ": only " + method + " is allowed");
    }
  }

  protected static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  protected static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
  }

  protected static void sendError(HttpExchange exchange, int status, String error, String message) throws IOException {
    sendJson(exchange, status, JSON.createObjectNode().put("error", error).put("message", message));
  }

  /** {@link #sendError}, when the client may be gone or the headers already sent. */
  protected static void trySendError(HttpExchange exchange, int status, String error, String message) {
    try {
      sendError(exchange, status, error, message);
    } catch (IOException | RuntimeException ignored) {
      // nothing more can be said to the client
    }
  }
}
