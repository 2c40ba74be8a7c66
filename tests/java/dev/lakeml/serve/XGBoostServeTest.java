package dev.lakeml.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ml.PromotionGate;
import dev.lakeml.ml.RecordScorer;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The single-record scorer behind {@code serve} with an XGBoost model: the batch probability, to the bit. */
class XGBoostServeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aJuneFlightScoredAloneGetsTheBatchProbability() throws Exception {
    ServeFixture fixture = ServeFixture.build(ServeFixture.spec(PipelineSpec.Estimator.XGBOOST, Map.of("maxIter", "20", "max_depth", "4", "eta", "0.3")));
    RecordScorer scorer = RecordScorer.open(fixture.lakehouse, fixture.spec, PromotionGate.serving(fixture.lakehouse, fixture.spec.model().name()), -1);
    assertEquals("xgboost", scorer.modelVersion().estimator());
    List<Row> batch =
        fixture.lakehouse.read(ServeFixture.PREDICTIONS).filter("run_id = 'score-1'").orderBy("id").select("id", "probability").collectAsList();
    assertTrue(batch.size() > 150, "June was batch-scored: " + batch.size());
    int checked = 0;
    for (int i = 0; i < batch.size(); i += batch.size() / 8) {
      Row b = batch.get(i);
      ObjectNode request = (ObjectNode) JSON.readTree(fixture.records.get(b.getLong(0)));
      request.remove("delay");
      RecordScorer.Result r = scorer.score(request.toString());
      assertFalse(r.fallback(), r.reasons().toString());
      assertEquals(b.getDouble(1), r.probability(), 0.0, "flight " + b.getLong(0) + " " + r.features());
      checked++;
    }
    assertTrue(checked >= 8, "records checked: " + checked);
  }
}
