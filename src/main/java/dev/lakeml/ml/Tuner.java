package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.config.PipelineSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Grid search on a time-ordered train/validation split inside the training window: every candidate is
 * fitted on [train-from, tune-from) and scored on [tune-from, train-before). MLlib's
 * TrainValidationSplit and CrossValidator split at random (or mix future folds into training), which
 * would let a flight's future leak into its own model, so the loop is written out here.
 */
final class Tuner {
  /** The winning params and every candidate's validation AUC as {@code tune[k=v,...].auc}. */
  record Best(Map<String, String> params, Map<String, Double> metrics) {}

  private Tuner() {}

  static Best tune(Dataset<Row> gold, String label, PipelineSpec.Model spec) {
    Dataset<Row> fit = Trainer.window(gold, spec.trainFrom().toString(), spec.tuning().tuneFrom().toString());
    Dataset<Row> validate = Trainer.window(gold, spec.tuning().tuneFrom().toString(), spec.trainBefore().toString());
    Row rate = fit.selectExpr("avg(`" + label + "`)").first();
    Dataset<Row> weightedFit = Trainer.weighted(fit, label, spec.classWeight(), rate.isNullAt(0) ? 0.5 : rate.getDouble(0)).persist();
    Dataset<Row> validateCached = validate.persist();
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, String> bestParams = null;
    double bestAuc = Double.NEGATIVE_INFINITY;
    try {
      for (Map<String, String> candidate : candidates(spec.tuning().grid())) {
        Map<String, String> params = new LinkedHashMap<>(spec.params());
        params.putAll(candidate);
        PipelineModel model = Trainer.pipeline(label, spec, params).fit(weightedFit);
        XGBoost.predictWithCores(model, gold.sparkSession(), true); // a candidate is scored, never saved
        double auc = BinaryMetrics.of(model.transform(validateCached), Trainer.positiveProbability(), col(label)).auc();
        metrics.put("tune" + candidate.toString().replace('{', '[').replace('}', ']').replace(" ", "") + ".auc", auc);
        if (auc > bestAuc) { // ties keep the earlier (simpler-listed) candidate
          bestAuc = auc;
          bestParams = candidate;
        }
      }
    } finally {
      weightedFit.unpersist();
      validateCached.unpersist();
    }
    metrics.put("tune.best_auc", bestAuc);
    return new Best(bestParams, metrics);
  }

  /** The cartesian product of the grid, in the order the spec lists keys and values. */
  static List<Map<String, String>> candidates(Map<String, List<String>> grid) {
    List<Map<String, String>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<String>> axis : grid.entrySet()) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> partial : out) {
        for (String value : axis.getValue()) {
          Map<String, String> m = new LinkedHashMap<>(partial);
          m.put(axis.getKey(), value);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }
}
