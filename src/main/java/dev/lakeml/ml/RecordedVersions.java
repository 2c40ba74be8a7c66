package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import dev.lakeml.delta.Vacuum;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The table versions the lakehouse has recorded as needed, which maintenance must keep readable:
 * each registered model version's training snapshot ({@code ops.model_registry}), and for each
 * scoring run still in the predictions table, the feature-table version it read and the
 * predictions version it wrote ({@code replay} reads both).
 */
public final class RecordedVersions {
  private RecordedVersions() {}

  public static List<Vacuum.Pin> of(Lakehouse lh, PipelineSpec spec) {
    List<Vacuum.Pin> pins = new ArrayList<>();
    for (ModelVersion v : new ModelRegistry(lh).versions(spec.model().name())) {
      pins.add(new Vacuum.Pin(TableId.parse(v.trainingTable()), v.trainingTableVersion(), "model " + v.name() + " v" + v.version() + " (training snapshot)"));
    }
    TableId predictions = TableId.of(Layer.GOLD, spec.score().table());
    if (lh.exists(predictions)) {
      for (Row r : lh.read(predictions).select("run_id", "feature_table", "feature_table_version").distinct().orderBy(col("run_id")).collectAsList()) {
        String run = r.getString(0);
        pins.add(new Vacuum.Pin(TableId.parse(r.getString(1)), r.getLong(2), "scoring run " + run + " (its features)"));
        pins.add(new Vacuum.Pin(predictions, Replay.versionWrittenBy(lh, predictions, run), "scoring run " + run + " (its predictions, for replay)"));
      }
    }
    return pins;
  }
}
