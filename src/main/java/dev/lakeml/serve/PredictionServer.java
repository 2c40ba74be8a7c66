package dev.lakeml.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.lakeml.http.JsonHttpServer;
import dev.lakeml.ml.RecordScorer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code serve} endpoint: a small HTTP server over one {@link RecordScorer}.
 *
 * <ul>
 *   <li>{@code GET /ping}: {@code {"status": "ok", "model_name", "model_version", "feature_table",
 *       "feature_table_version"}}
 *   <li>{@code POST /predict} with one raw record as a JSON object: {@code {"request_id",
 *       "probability", "fallback", "reasons", "model_probability", "model_name", "model_version",
 *       "feature_table", "feature_table_version", "features"}}. A body that is not a JSON object is a
 *       400 with {@code {"error": "bad_request", "message"}}; a record batch scoring would have
 *       quarantined, or one outside the model's training range, is a 200 with {@code "fallback": true},
 *       the reasons, and the training positive rate as probability.
 *   <li>{@code GET /metrics}: Prometheus text format: {@code lakeml_serve_requests_total{endpoint,
 *       outcome}}, {@code lakeml_serve_request_duration_seconds{endpoint}} (histogram), {@code
 *       lakeml_serve_model_info{model,version,feature_table,feature_table_version}} (1).
 * </ul>
 *
 * <p>Every request to {@code /predict} is appended as one JSON line to the {@link RequestLog}.
 */
public final class PredictionServer extends JsonHttpServer {
  private static final int MAX_BODY = 64 * 1024;

  private final RecordScorer scorer;
  private final RequestLog log;
  /**
   * The client's defaults, never the process-wide {@code io.prometheus.*} system properties or a
   * prometheus.properties file (as the pusher): nothing outside the spec changes what is exposed.
   */
  private static final PrometheusProperties NO_OVERRIDES = PrometheusProperties.builder().build();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram latency;

  /**
   * @param host the address to bind, e.g. {@code 127.0.0.1}
   * @param port the port; 0 takes a free one (read it with {@link #port()})
   * @param logDir the folder of the request log
   */
  public PredictionServer(RecordScorer scorer, String host, int port, Path logDir) {
    super("prediction server", host, port, 4);
    this.scorer = scorer;
    this.log = new RequestLog(logDir);
    this.requests =
        Counter.builder(NO_OVERRIDES)
            .name("lakeml_serve_requests_total")
            .help("Requests by endpoint and outcome (ok, fallback, bad_request, not_found, error)")
            .labelNames("endpoint", "outcome")
            .register(registry);
    this.latency =
        Histogram.builder(NO_OVERRIDES)
            .name("lakeml_serve_request_duration_seconds")
            .help("Time to answer a request")
            .labelNames("endpoint")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    Info.builder(NO_OVERRIDES)
        .name("lakeml_serve_model")
        .help("The model version and feature table version this server scores with")
        .labelNames("model", "version", "feature_table", "feature_table_version")
        .register(registry)
        .setLabelValues(
            scorer.modelVersion().name(),
            String.valueOf(scorer.modelVersion().version()),
            scorer.featureTable().toString(),
            String.valueOf(scorer.featureTableVersion()));
  }

  /** Binds and starts serving. */
  public PredictionServer start() {
    bind();
    return this;
  }

  /** Where the request log is written. */
  public Path logDir() {
    return log.dir();
  }

  @Override
  public synchronized void close() {
    super.close();
    log.close();
  }

  @Override
  protected void handle(HttpExchange exchange) {
    long t0 = System.nanoTime();
    String path = exchange.getRequestURI().getPath();
    String endpoint = switch (path) {
      case "/ping", "/predict", "/metrics" -> path.substring(1);
      default -> "other";
    };
    String outcome = "error";
    try {
      switch (path) {
        case "/ping" -> {
          requireMethod(exchange, "GET");
          ObjectNode body = JSON.createObjectNode().put("status", "ok");
          describeModel(body);
          sendJson(exchange, 200, body);
          outcome = "ok";
        }
        case "/predict" -> outcome = predict(exchange, t0);
        case "/metrics" -> {
          requireMethod(exchange, "GET");
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          PrometheusTextFormatWriter.create().write(out, registry.scrape());
          send(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
          outcome = "ok";
        }
        default -> {
          outcome = "not_found";
          sendError(exchange, 404, "not_found", "Cannot serve " + path + ": no such resource. Use GET /ping, POST /predict or GET /metrics.");
        }
      }
    } catch (BadRequest e) {
      outcome = "bad_request";
      trySendError(exchange, e.status, e.error, e.getMessage());
    } catch (IOException | RuntimeException e) {
      outcome = "error";
      trySendError(exchange, 500, "internal", "Cannot answer the request: " + e);
    } finally {
      requests.labelValues(endpoint, outcome).inc();
      latency.labelValues(endpoint).observe((System.nanoTime() - t0) / 1e9);
    }
  }

  private String predict(HttpExchange exchange, long t0) throws IOException, BadRequest {
    String requestId = UUID.randomUUID().toString();
    String body = null;
    try {
      requireMethod(exchange, "POST");
      byte[] bytes = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        throw new BadRequest(413, "bad_request", "Cannot score the record: the body is larger than " + MAX_BODY + " bytes. Send one record as a JSON object.");
      }
      body = new String(bytes, StandardCharsets.UTF_8);
      RecordScorer.Result r;
      try {
        r = scorer.score(body);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(400, "bad_request", e.getMessage());
      }
      ObjectNode answer = JSON.createObjectNode().put("request_id", requestId);
      answer.put("probability", r.probability());
      answer.put("fallback", r.fallback());
      ArrayNode reasons = answer.putArray("reasons");
      r.reasons().forEach(reasons::add);
      if (r.modelProbability() == null) {
        answer.putNull("model_probability");
      } else {
        answer.put("model_probability", r.modelProbability());
      }
      answer.put("model_name", r.modelName());
      answer.put("model_version", r.modelVersion());
      answer.put("feature_table", r.featureTable());
      answer.put("feature_table_version", r.featureTableVersion());
      answer.set("features", JSON.valueToTree(jsonSafe(r.features())));
      sendJson(exchange, 200, answer);
      String outcome = r.fallback() ? "fallback" : "ok";
      log.append(requestId, outcome, 200, (System.nanoTime() - t0) / 1e6, body, answer);
      return outcome;
    } catch (BadRequest e) {
      log.append(requestId, "bad_request", e.status, (System.nanoTime() - t0) / 1e6, body, JSON.createObjectNode().put("message", e.getMessage()));
      throw e;
    } catch (RuntimeException e) {
      log.append(requestId, "error", 500, (System.nanoTime() - t0) / 1e6, body, JSON.createObjectNode().put("message", String.valueOf(e)));
      throw e;
    }
  }

  private static Map<String, Object> jsonSafe(Map<String, Object> features) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    features.forEach((k, v) -> out.put(k, v == null || v instanceof Number || v instanceof Boolean ? v : v.toString()));
    return out;
  }

  private void describeModel(ObjectNode body) {
    body.put("model_name", scorer.modelVersion().name());
    body.put("model_version", scorer.modelVersion().version());
    body.put("estimator", scorer.modelVersion().estimator());
    body.put("feature_table", scorer.featureTable().toString());
    body.put("feature_table_version", scorer.featureTableVersion());
  }
}
