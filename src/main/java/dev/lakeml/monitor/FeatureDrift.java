package dev.lakeml.monitor;

import dev.lakeml.config.PipelineSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One drift value of one input (or of the prediction) of a batch against the model's reference:
 * PSI for numeric inputs and the prediction, Jensen-Shannon for categoricals, with its thresholds
 * and status ({@code ok}, {@code warn}, {@code alarm}, or {@code excluded} for an input listed in
 * {@code monitor.exclude}: measured and stored, but never alarming). Every value is kept, not only alarms.
 */
public record FeatureDrift(
    String feature, String kind, String metric, double value, double warn, double alarm, String status, long rows, long referenceRows) {

  public static final String EXCLUDED = "excluded";

  /** Counts {@code batch} into every reference's slots (one pass) and measures each distance. */
  public static List<FeatureDrift> measure(Dataset<Row> batch, List<ReferenceBins> references, PipelineSpec.Monitor spec) {
    List<long[]> current = ReferenceBins.count(batch, references);
    List<FeatureDrift> out = new ArrayList<>();
    for (int i = 0; i < references.size(); i++) {
      ReferenceBins ref = references.get(i);
      long[] now = current.get(i);
      long rows = 0;
      for (long c : now) {
        rows += c;
      }
      boolean categorical = ref.kind().equals(ReferenceBins.CATEGORICAL);
      double value = categorical ? Divergence.jensenShannon(ref.counts(), now) : Divergence.psi(ref.counts(), now);
      double warn = categorical ? spec.jsWarn() : spec.psiWarn();
      double alarm = categorical ? spec.jsAlarm() : spec.psiAlarm();
      boolean excluded = !ref.kind().equals(ReferenceBins.PREDICTION) && spec.exclude().contains(ref.feature());
      String status = excluded ? EXCLUDED : Divergence.status(value, warn, alarm);
      out.add(new FeatureDrift(ref.feature(), ref.kind(), categorical ? "js" : "psi", value, warn, alarm, status, rows, ref.rows()));
    }
    return out;
  }
}
