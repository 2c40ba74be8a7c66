package dev.lakeml.catalog;

import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.util.Map;

/** Tiny gold, predictions and ops tables built in code, as analysts' tests need them. */
public final class AnalystFixtures {
  public static final TableId FEATURES = TableId.of(Layer.GOLD, "flight_features");
  public static final TableId PREDICTIONS = TableId.of(Layer.GOLD, "flight_delay_predictions");
  public static final TableId REGISTRY = TableId.of(Layer.OPS, "model_registry");

  private AnalystFixtures() {}

  public static PipelineSpec spec() {
    return PipelineSpec.load(TestSpark.projectDir(), "flights");
  }

  /**
   * A fresh lakehouse with gold.flight_features v0 (3 rows) and v1 (+1 row), predictions of two
   * scoring runs (model v1 then v2) and a registry of two model versions; tables registered.
   */
  public static Lakehouse lakehouse() {
    Lakehouse lh = TestSpark.freshLakehouse();
    var spark = lh.spark();
    lh.write(
        spark.sql(
            "SELECT * FROM VALUES (1L, DATE'2001-06-01', 'SFO', 0, 0.10D), (2L, DATE'2001-06-01', 'JFK', 1, 0.30D), (3L, DATE'2001-06-02', 'SFO', 0, NULL)"
                + " AS t(id, event_date, origin, is_late, origin_late_rate_7d)"),
        FEATURES, Lakehouse.Write.append(), Map.of("run_id", "r0"));
    lh.write(
        spark.sql("SELECT * FROM VALUES (4L, DATE'2001-06-03', 'ORD', 1, 0.50D) AS t(id, event_date, origin, is_late, origin_late_rate_7d)"),
        FEATURES, Lakehouse.Write.append(), Map.of("run_id", "r1"));
    String cols = " AS t(id, event_date, probability, prediction, model_name, model_version, feature_table, feature_table_version, run_id)";
    lh.write(
        spark.sql(
            "SELECT * FROM VALUES (1L, DATE'2001-06-01', 0.2D, 0, 'flight_delay', 1, 'gold.flight_features', 0L, '20010101T000000Z-aaaa'),"
                + " (2L, DATE'2001-06-01', 0.7D, 1, 'flight_delay', 1, 'gold.flight_features', 0L, '20010101T000000Z-aaaa')" + cols),
        PREDICTIONS, Lakehouse.Write.append(), Map.of("run_id", "20010101T000000Z-aaaa"));
    lh.write(
        spark.sql(
            "SELECT * FROM VALUES (1L, DATE'2001-06-01', 0.4D, 0, 'flight_delay', 2, 'gold.flight_features', 1L, '20010102T000000Z-bbbb'),"
                + " (4L, DATE'2001-06-03', 0.9D, 1, 'flight_delay', 2, 'gold.flight_features', 1L, '20010102T000000Z-bbbb')" + cols),
        PREDICTIONS, Lakehouse.Write.append(), Map.of("run_id", "20010102T000000Z-bbbb"));
    lh.write(
        spark.sql(
            "SELECT 'flight_delay' AS model_name, v AS version, 'gbt' AS estimator, map('auc', auc, 'pr_auc', 0.5D, 'log_loss', 0.6D) AS metrics,"
                + " 'gold.flight_features' AS training_table, CAST(v - 1 AS BIGINT) AS training_table_version, '[a, b)' AS train_window,"
                + " '[b, c)' AS evaluate_window, current_timestamp() AS created_at, concat('run', v) AS run_id"
                + " FROM VALUES (1, 0.71D), (2, 0.69D) AS t(v, auc)"),
        REGISTRY, Lakehouse.Write.append(), Map.of("run_id", "train"));
    lh.registerAll();
    return lh;
  }
}
