package dev.lakeml.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.LakemlException;
import dev.lakeml.jobs.ScoreJob;
import dev.lakeml.ml.Explanations;
import dev.lakeml.ml.ModelRegistry;
import dev.lakeml.ml.ModelVersion;
import dev.lakeml.ml.PromotionGate;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import dev.lakeml.ml.RecordScorer;
import dev.lakeml.observe.ExpositionText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeFixture fixture;
  private RecordScorer scorer;
  /** June predictions of the batch run: id, probability, feature_table_version. */
  private List<Row> batch;

  @BeforeAll
  void build() {
    fixture = ServeFixture.build();
    scorer = RecordScorer.open(fixture.lakehouse, fixture.spec, PromotionGate.serving(fixture.lakehouse, fixture.spec.model().name()), -1);
    batch =
        fixture.lakehouse.read(ServeFixture.PREDICTIONS)
            .filter("run_id = 'score-1'")
            .orderBy("id")
            .select("id", "probability", "feature_table_version", "model_version")
            .collectAsList();
    assertTrue(batch.size() > 150, "June was batch-scored: " + batch.size());
  }

  @AfterAll
  void release() {
    fixture = null;
  }

  /** The flight's raw record as a client would send it: without the late-arriving delay. */
  private String request(long id) throws Exception {
    ObjectNode r = (ObjectNode) JSON.readTree(fixture.records.get(id));
    r.remove("delay");
    return r.toString();
  }

  @Test
  void aJuneFlightScoredAloneGetsTheBatchProbability() throws Exception {
    List<Row> sample = new ArrayList<>();
    for (int i = 0; i < batch.size(); i += batch.size() / 6) {
      sample.add(batch.get(i));
    }
    long t0 = System.nanoTime();
    for (Row b : sample) {
      RecordScorer.Result r = scorer.score(request(b.getLong(0)));
      assertFalse(r.fallback(), r.reasons().toString());
      assertEquals(b.getDouble(1), r.probability(), 1e-9, "flight " + b.getLong(0) + " " + r.features());
      assertEquals(b.getInt(3), r.modelVersion());
      assertEquals(b.getLong(2), r.featureTableVersion());
    }
    System.out.printf("single-record scoring: %.1f ms per record over %d records%n", (System.nanoTime() - t0) / 1e6 / sample.size(), sample.size());

    // The trailing features come out as the gold table holds them for that flight.
    long id = sample.get(3).getLong(0);
    Row gold =
        fixture.lakehouse.read(TableId.of(Layer.GOLD, "flight_features"))
            .filter("id = " + id)
            .selectExpr("origin_late_rate_7d", "dest_late_rate_7d", "route_late_rate_28d", "origin_flights_7d", "dep_hour", "month")
            .first();
    Map<String, Object> f = scorer.score(request(id)).features();
    assertEquals(gold.get(0), f.get("origin_late_rate_7d"));
    assertEquals(gold.get(1), f.get("dest_late_rate_7d"));
    assertEquals(gold.get(2), f.get("route_late_rate_28d"));
    assertEquals(gold.get(3), f.get("origin_flights_7d"));
    assertEquals(gold.get(4), f.get("dep_hour"));
    assertEquals(6, f.get("month"));
  }

  @Test
  void invalidOrUnfamiliarInputFallsBackWithItsReasons() throws Exception {
    double rate = scorer.trainingRange().positiveRate();
    assertTrue(rate > 0.05 && rate < 0.95, "training positive rate " + rate);
    long june = batch.get(0).getLong(0);

    ObjectNode unknown = (ObjectNode) JSON.readTree(request(june));
    unknown.put("origin", "XYZ");
    RecordScorer.Result r = scorer.score(unknown.toString());
    assertTrue(r.fallback());
    assertEquals(rate, r.probability(), 0.0);
    assertTrue(r.reasons().stream().anyMatch(s -> s.contains("'XYZ'")), r.reasons().toString());

    ObjectNode far = (ObjectNode) JSON.readTree(request(june));
    far.put("distance", 5400);
    r = scorer.score(far.toString());
    assertTrue(r.fallback());
    assertEquals(List.of("distance: 5400 outside the training range [" + min("distance") + ", " + max("distance") + "]"), r.reasons());
    assertNotNull(r.modelProbability(), "the model could still score it");

    ObjectNode wrongType = (ObjectNode) JSON.readTree(request(june));
    wrongType.put("distance", "far");
    r = scorer.score(wrongType.toString());
    assertTrue(r.fallback());
    assertTrue(r.reasons().stream().anyMatch(s -> s.startsWith("distance: expected int")), r.reasons().toString());
    assertNull(r.modelProbability());

    ObjectNode noDate = (ObjectNode) JSON.readTree(request(june));
    noDate.remove("date");
    r = scorer.score(noDate.toString());
    assertTrue(r.fallback());
    assertTrue(r.reasons().stream().anyMatch(s -> s.startsWith("dep_time_local")), r.reasons().toString());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scorer.score("{\"origin\": "));
    assertTrue(e.getMessage().startsWith("Cannot read the record: invalid JSON"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> scorer.score("[1, 2]"));
    assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
  }

  private long min(String c) {
    return fixture.lakehouse.read(TableId.of(Layer.GOLD, "flight_features")).filter("event_date >= '2001-01-08' AND event_date < '2001-05-01'").selectExpr("min(" + c + ")").first().getInt(0);
  }

  private long max(String c) {
    return fixture.lakehouse.read(TableId.of(Layer.GOLD, "flight_features")).filter("event_date >= '2001-01-08' AND event_date < '2001-05-01'").selectExpr("max(" + c + ")").first().getInt(0);
  }

  @Test
  void predictOverHttpMatchesBatchScoringAndIsCountedAndLogged(@TempDir Path logs) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    try (PredictionServer server = new PredictionServer(scorer, "127.0.0.1", 0, logs).start()) {
      URI base = server.baseUri();
      HttpResponse<String> ping = http.send(HttpRequest.newBuilder(base.resolve("/ping")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ping.statusCode());
      assertEquals("ok", JSON.readTree(ping.body()).get("status").asText());
      assertEquals(1, JSON.readTree(ping.body()).get("model_version").asInt());

      Row b = batch.get(batch.size() / 2);
      HttpResponse<String> predict = post(http, base, request(b.getLong(0)));
      assertEquals(200, predict.statusCode(), predict.body());
      JsonNode answer = JSON.readTree(predict.body());
      assertEquals(b.getDouble(1), answer.get("probability").asDouble(), 1e-9);
      assertFalse(answer.get("fallback").asBoolean());
      assertEquals("flight_delay", answer.get("model_name").asText());
      assertEquals(b.getInt(3), answer.get("model_version").asInt());
      assertEquals("gold.flight_features", answer.get("feature_table").asText());
      assertEquals(b.getLong(2), answer.get("feature_table_version").asLong());

      HttpResponse<String> bad = post(http, base, "{\"origin\": \"SEA\",");
      assertEquals(400, bad.statusCode());
      assertEquals("bad_request", JSON.readTree(bad.body()).get("error").asText());
      assertTrue(JSON.readTree(bad.body()).get("message").asText().startsWith("Cannot read the record: invalid JSON"), bad.body());

      ObjectNode unknown = (ObjectNode) JSON.readTree(request(b.getLong(0)));
      unknown.put("destination", "QQQ");
      HttpResponse<String> fallback = post(http, base, unknown.toString());
      assertEquals(200, fallback.statusCode());
      assertTrue(JSON.readTree(fallback.body()).get("fallback").asBoolean());
      assertTrue(JSON.readTree(fallback.body()).get("reasons").toString().contains("QQQ"), fallback.body());

      HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(base.resolve("/predict")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(405, wrongMethod.statusCode());

      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), metrics.headers().toString());
      ExpositionText text = new ExpositionText(metrics.body());
      assertEquals(1.0, text.value("lakeml_serve_requests_total", Map.of("endpoint", "predict", "outcome", "ok")));
      assertEquals(1.0, text.value("lakeml_serve_requests_total", Map.of("endpoint", "predict", "outcome", "fallback")));
      assertEquals(2.0, text.value("lakeml_serve_requests_total", Map.of("endpoint", "predict", "outcome", "bad_request")), "bad JSON and GET");
      assertEquals(1.0, text.value("lakeml_serve_requests_total", Map.of("endpoint", "ping", "outcome", "ok")));
      assertEquals(4.0, text.value("lakeml_serve_request_duration_seconds_count", Map.of("endpoint", "predict")));
      assertEquals(4.0, text.value("lakeml_serve_request_duration_seconds_bucket", Map.of("endpoint", "predict", "le", "+Inf")));
      assertEquals(1.0, text.value("lakeml_serve_model_info", Map.of("model", "flight_delay", "version", "1", "feature_table_version", String.valueOf(b.getLong(2)))));

      List<Path> files;
      try (Stream<Path> s = Files.list(logs)) {
        files = s.toList();
      }
      assertEquals(1, files.size(), files.toString());
      assertTrue(files.get(0).getFileName().toString().matches("requests-\\d{4}-\\d{2}-\\d{2}\\.jsonl"), files.toString());
      List<JsonNode> lines = new ArrayList<>();
      for (String l : Files.readAllLines(files.get(0))) {
        lines.add(JSON.readTree(l));
      }
      assertEquals(List.of("ok", "bad_request", "fallback", "bad_request"), lines.stream().map(l -> l.get("outcome").asText()).toList());
      assertEquals(b.getDouble(1), lines.get(0).get("response").get("probability").asDouble(), 1e-9);
      assertEquals("SEA", lines.get(1).get("input").asText().substring(12, 15), "a body that is not JSON is logged as text");
      assertEquals("QQQ", lines.get(2).get("input").get("destination").asText());
    }
  }

  @Test
  void explainedPredictionsNameTheirTopContributions() {
    var lh = fixture.lakehouse;
    var version = new ModelRegistry(lh).get("flight_delay", 1);
    PipelineModel model = new ModelRegistry(lh).load(version);
    // Every contribution: intercept + their sum is the logit of the probability.
    Dataset<Row> gold = lh.read(TableId.of(Layer.GOLD, "flight_features")).filter("event_date >= '2001-06-01'").limit(20);
    List<Row> all =
        Explanations.withTopFeatures(model.transform(gold), model, version, 100)
            .select(org.apache.spark.ml.functions.vector_to_array(org.apache.spark.sql.functions.col("probability"), "float64").getItem(1), org.apache.spark.sql.functions.col("top_features"))
            .collectAsList();
    double intercept = ((LogisticRegressionModel) model.stages()[model.stages().length - 1]).intercept();
    for (Row r : all) {
      double sum = intercept;
      double previous = Double.MAX_VALUE;
      List<String> names = new ArrayList<>();
      for (Row c : r.<Row>getList(1)) {
        sum += c.getDouble(1);
        assertTrue(Math.abs(c.getDouble(1)) <= previous, "sorted by |contribution|: " + r);
        previous = Math.abs(c.getDouble(1));
        names.add(c.getString(0));
      }
      double p = r.getDouble(0);
      assertEquals(Math.log(p / (1 - p)), sum, 1e-9, r.toString());
      assertEquals(1, names.stream().filter(n -> n.startsWith("origin=")).count(), names.toString());
      assertTrue(names.contains("distance"), names.toString());
    }

    // score --explain stores the top 5 with the predictions, in the same table (column added).
    fixture.run(new ScoreJob(), "score-explain", Map.of("explain", ""));
    List<Row> stored = lh.read(ServeFixture.PREDICTIONS).filter("run_id = 'score-explain'").select("id", "probability", "top_features").collectAsList();
    assertEquals(batch.size(), stored.size());
    for (Row r : stored) {
      List<Row> top = r.getList(2);
      assertEquals(5, top.size(), r.toString());
    }
    assertTrue(stored.stream().allMatch(r -> r.<Row>getList(2).stream().allMatch(c -> !c.getString(0).contains("_oh_") && !c.getString(0).endsWith("_imp"))));

    // Trees: a clear refusal, not a stack trace.
    Dataset<Row> tiny = gold.limit(1);
    PipelineModel notLinear = new Pipeline().setStages(new PipelineStage[] {new SQLTransformer().setStatement("SELECT * FROM __THIS__")}).fit(tiny);
    var gbt = new ModelVersion(version.name(), 9, version.pipeline(), "gbt", version.path(), version.trainingTable(), 0, Map.of(), Map.of(), version.featureNames(),
        version.trainWindow(), version.evaluateWindow(), "", "", "", "", "", version.createdAt(), Map.of());
    LakemlException e = assertThrows(LakemlException.class, () -> Explanations.withTopFeatures(tiny, notLinear, gbt, 5));
    assertTrue(e.getMessage().contains("implemented for logistic_regression (coefficient × value) and xgboost") && e.getMessage().contains("model.estimator = xgboost"), e.getMessage());
  }

  private static HttpResponse<String> post(HttpClient http, URI base, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/predict")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
