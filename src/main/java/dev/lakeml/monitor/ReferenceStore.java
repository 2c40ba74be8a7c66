package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The reference bins of every model version, in {@code ops.model_reference_bins}: one row per input. */
public final class ReferenceStore {
  public static final TableId TABLE = TableId.of(Layer.OPS, "model_reference_bins");

  /** The columns of ops.model_reference_bins; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("model_name", DataTypes.StringType, false)
          .add("model_version", DataTypes.IntegerType, false)
          .add("feature", DataTypes.StringType, false)
          .add("kind", DataTypes.StringType)
          .add("edges", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("categories", DataTypes.createArrayType(DataTypes.StringType))
          .add("counts", DataTypes.createArrayType(DataTypes.LongType))
          .add("reference_window", DataTypes.StringType);

  private final Lakehouse lakehouse;

  public ReferenceStore(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /**
   * Stores a version's bins in one commit; idempotent per (model, version). Each row records the
   * window its bins were computed on: {@code inputsWindow} for the inputs, {@code predictionWindow}
   * for the prediction.
   */
  public void save(String model, int version, String inputsWindow, String predictionWindow, List<ReferenceBins> bins, String runId) {
    List<Row> rows = new ArrayList<>();
    for (ReferenceBins b : bins) {
      List<Double> edges = new ArrayList<>();
      for (double e : b.edges()) {
        edges.add(e);
      }
      List<Long> counts = new ArrayList<>();
      for (long c : b.counts()) {
        counts.add(c);
      }
      rows.add(RowFactory.create(model, version, b.feature(), b.kind(), seq(edges), seq(b.categories()), seq(counts), b.kind().equals(ReferenceBins.PREDICTION) ? predictionWindow : inputsWindow));
    }
    lakehouse.write(
        lakehouse.spark().createDataFrame(rows, SCHEMA),
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.reference_bins." + model, version),
        Map.of("run_id", runId, "model", model, "model_version", version));
  }

  public List<ReferenceBins> load(String model, int version) {
    List<ReferenceBins> out = new ArrayList<>();
    if (!lakehouse.exists(TABLE)) {
      return out;
    }
    for (Row r : lakehouse.read(TABLE).filter(col("model_name").equalTo(model).and(col("model_version").equalTo(version))).orderBy("kind", "feature").collectAsList()) {
      List<Double> edges = r.getList(4);
      List<Long> counts = r.getList(6);
      out.add(
          new ReferenceBins(
              r.getString(2),
              r.getString(3),
              edges.stream().mapToDouble(Double::doubleValue).toArray(),
              List.copyOf(r.<String>getList(5)),
              counts.stream().mapToLong(Long::longValue).toArray()));
    }
    return out;
  }

  private static <T> scala.collection.Seq<T> seq(List<T> list) {
    return scala.collection.JavaConverters.asScalaBuffer(list).toSeq();
  }
}
