package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lakeml.LakemlException;
import dev.lakeml.config.CheckSpec;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.features.PointInTimeFeatures;
import dev.lakeml.features.TrailingHistory;
import dev.lakeml.quality.RowRules;
import dev.lakeml.refine.Refiner;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Scores one raw source record with a registered model version, through the same code as the
 * batch path — no train/serve skew:
 *
 * <ol>
 *   <li>the record (JSON, as the source API delivers it, e.g. {@code {"date": "2001-06-03T14:05:00",
 *       "origin": "SEA", "destination": "SFO", "distance": 679}}) is parsed and refined by {@link
 *       Refiner} with the silver spec and the dimension tables at the versions silver was built from;
 *   <li>its row-wise gold columns come from {@link PointInTimeFeatures#base}, its trailing
 *       aggregates from {@link TrailingHistory} over the silver version the pinned gold version was
 *       built from — as of the record's own event date, exactly as batch computed them;
 *   <li>the gold row expectations are checked, and the model's saved pipeline scores the row.
 * </ol>
 *
 * <p>Inputs that batch would have quarantined (wrong type, unknown airport, distance out of the
 * expectations, missing date), and inputs outside what the model was trained on (a numeric input
 * the record carries — a silver column such as distance — beyond the training window's [min, max],
 * or a category the model never saw) give a <em>fallback</em>
 * answer: the training window's positive rate, flagged with every reason (and, when the row could be
 * scored, the model's own probability beside it). The label and the columns only it needs (for
 * flights: {@code delay}) are not expected in a request.
 *
 * <p>Thread-safe: state is read once at {@link #open}; each call runs two small local Spark queries.
 */
public final class RecordScorer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The answer for one record. {@code probability} is the model's, or the fallback rate when {@code fallback}. */
  public record Result(
      double probability,
      boolean fallback,
      List<String> reasons,
      Double modelProbability,
      String modelName,
      int modelVersion,
      String featureTable,
      long featureTableVersion,
      Map<String, Object> features) {}

  /** The trained range of the model's numeric inputs and the training window's positive rate. */
  public record TrainingRange(Map<String, double[]> numeric, Map<String, Set<String>> categories, double positiveRate) {}

  private final SparkSession spark;
  private final PipelineSpec spec;
  private final PipelineSpec.Refined servingSilver;
  private final Map<String, Dataset<Row>> dimensions;
  private final TrailingHistory history;
  private final PipelineModel model;
  private final ModelVersion version;
  private final TableId featureTable;
  private final long featureVersion;
  private final long silverVersion;
  private final TrainingRange range;

  private RecordScorer(
      SparkSession spark, PipelineSpec spec, Map<String, Dataset<Row>> dimensions, TrailingHistory history, PipelineModel model,
      ModelVersion version, TableId featureTable, long featureVersion, long silverVersion, TrainingRange range) {
    this.spark = spark;
    this.spec = spec;
    this.servingSilver = servingSpec(spec);
    this.dimensions = dimensions;
    this.history = history;
    this.model = model;
    this.version = version;
    this.featureTable = featureTable;
    this.featureVersion = featureVersion;
    this.silverVersion = silverVersion;
    this.range = range;
  }

  /**
   * Pins the gold table at {@code featureVersion} (negative: its latest version), the silver
   * version it was built from and the dimension versions silver was built with; loads the model
   * and the training range. Costs a few Spark queries; scoring then touches no table.
   */
  public static RecordScorer open(Lakehouse lakehouse, PipelineSpec spec, ModelVersion version, long featureVersion) {
    TableId gold = TableId.of(dev.lakeml.delta.Layer.GOLD, spec.gold().table());
    TableId silver = TableId.of(dev.lakeml.delta.Layer.SILVER, spec.silver().table());
    long goldVersion = featureVersion < 0 ? lakehouse.latestVersion(gold) : featureVersion;
    Map<String, Object> goldLineage = lakehouse.lineageAtOrBefore(gold, goldVersion);
    Object source = goldLineage.get("source_version");
    if (!(source instanceof Number)) {
      throw new LakemlException(
          "Cannot score single records with " + gold + " v" + goldVersion + ": its commit does not name the silver version it was built"
              + " from (no source_version in its userMetadata). Rebuild it with ./scripts/lakeml features --force.");
    }
    long silverVersion = ((Number) source).longValue();
    Map<String, Object> silverLineage = lakehouse.lineageAtOrBefore(silver, silverVersion);
    Map<String, Dataset<Row>> dims = new LinkedHashMap<>();
    for (PipelineSpec.Refined d : spec.dimensions()) {
      TableId t = TableId.of(dev.lakeml.delta.Layer.SILVER, d.table());
      Object v = silverLineage.get("dimension." + d.table());
      Dataset<Row> rows = v instanceof Number n ? lakehouse.read(t, n.longValue()) : lakehouse.read(t);
      // Held in the driver: a request's lookups then never read a table.
      dims.put(d.table(), lakehouse.spark().createDataFrame(rows.collectAsList(), rows.schema()));
    }
    TrailingHistory history = TrailingHistory.of(lakehouse.read(silver, silverVersion), spec.gold());
    PipelineModel model = new ModelRegistry(lakehouse).load(version);
    TrainingRange range = trainingRange(lakehouse, spec, version, model);
    return new RecordScorer(lakehouse.spark(), spec, dims, history, model, version, gold, goldVersion, silverVersion, range);
  }

  public ModelVersion modelVersion() {
    return version;
  }

  public TableId featureTable() {
    return featureTable;
  }

  public long featureTableVersion() {
    return featureVersion;
  }

  public long silverVersion() {
    return silverVersion;
  }

  public TrainingRange trainingRange() {
    return range;
  }

  /**
   * Scores one record given as a JSON object.
   *
   * @throws IllegalArgumentException if {@code recordJson} is not a JSON object (the message says why)
   */
  public Result score(String recordJson) {
    ObjectNode record = parseObject(recordJson);
    String key = spec.silver().key();
    if (!record.hasNonNull(key)) {
      record.put(key, 0L); // a request need not carry the source's id
    }
    List<String> reasons = new ArrayList<>();
    // 1. Refine: parse against the record schema, lookups, columns, silver row expectations.
    Row bronze = RowFactory.create(record.toString(), null, "serve", null, 0, null);
    Dataset<Row> parsed = Refiner.parseBronze(spark.createDataFrame(List.of(bronze), BRONZE), spec.silver().recordSchema());
    Refiner.Output refined = Refiner.refine(parsed, servingSilver, dimensions);
    Dataset<Row> base = PointInTimeFeatures.base(refined.annotated(), spec.gold());
    Row b = base.first();
    reasons.addAll(b.getList(b.fieldIndex(RowRules.REASONS)));
    Object eventDate = b.get(b.fieldIndex(PointInTimeFeatures.EVENT_DATE));
    if (!reasons.isEmpty() || eventDate == null) {
      if (reasons.isEmpty()) {
        reasons.add(PointInTimeFeatures.EVENT_DATE + ": missing or invalid");
      }
      return fallback(reasons, null, inputs(b));
    }
    // 2. Trailing aggregates as of the record's date, from the pinned history.
    Map<String, Object> groupValues = new LinkedHashMap<>();
    for (String c : b.schema().fieldNames()) {
      groupValues.put(c, b.get(b.fieldIndex(c)));
    }
    Map<String, Object> trailing = history.values(groupValues, ((java.sql.Date) eventDate).toLocalDate());
    Dataset<Row> row = spark.createDataFrame(List.of(b), b.schema()).drop(RowRules.REASONS, RowRules.BROKEN);
    for (PipelineSpec.Trailing t : spec.gold().trailing()) {
      Object v = trailing.get(t.name());
      String type = t.aggregate() == PipelineSpec.Aggregate.COUNT ? "bigint" : "double";
      row = row.withColumn(t.name(), v == null ? lit(null).cast(type) : lit(v).cast(type));
    }
    // 3. Gold row expectations, then the model's own pipeline.
    Dataset<Row> scored =
        model.transform(RowRules.annotate(row, spec.gold().expectations(), dimensions))
            .withColumn("_p", Trainer.positiveProbability());
    List<Column> out = new ArrayList<>();
    out.add(col("_p"));
    out.add(col(RowRules.REASONS));
    for (String in : Trainer.featureNames(spec.model())) {
      out.add(col(in));
    }
    Row s = scored.select(out.toArray(new Column[0])).first();
    Map<String, Object> features = new LinkedHashMap<>();
    List<String> names = Trainer.featureNames(spec.model());
    for (int i = 0; i < names.size(); i++) {
      features.put(names.get(i), s.get(i + 2));
    }
    double p = s.getDouble(0);
    reasons.addAll(s.getList(1));
    reasons.addAll(outsideTraining(features));
    return reasons.isEmpty()
        ? new Result(p, false, List.of(), p, version.name(), version.version(), featureTable.toString(), featureVersion, features)
        : fallback(reasons, p, features);
  }

  private Result fallback(List<String> reasons, Double modelProbability, Map<String, Object> features) {
    return new Result(
        range.positiveRate(), true, List.copyOf(reasons), modelProbability, version.name(), version.version(), featureTable.toString(), featureVersion, features);
  }

  /** Why the model's inputs lie outside what it was trained on (empty when inside). */
  List<String> outsideTraining(Map<String, Object> features) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Set<String>> c : range.categories().entrySet()) {
      Object v = features.get(c.getKey());
      if (v != null && !c.getValue().contains(v.toString())) {
        out.add(c.getKey() + ": '" + v + "' was not seen in training");
      }
    }
    for (Map.Entry<String, double[]> n : range.numeric().entrySet()) {
      Object v = features.get(n.getKey());
      if (v instanceof Number x) {
        double d = x.doubleValue();
        if (d < n.getValue()[0] || d > n.getValue()[1]) {
          out.add(n.getKey() + ": " + v + " outside the training range [" + fmt(n.getValue()[0]) + ", " + fmt(n.getValue()[1]) + "]");
        }
      }
    }
    return out;
  }

  private Map<String, Object> inputs(Row b) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> columns = Arrays.asList(b.schema().fieldNames());
    for (String in : Trainer.featureNames(spec.model())) {
      if (columns.contains(in)) {
        out.put(in, b.get(b.fieldIndex(in)));
      }
    }
    return out;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
  }

  static ObjectNode parseObject(String json) {
    JsonNode node;
    try {
      node = json == null || json.isBlank() ? null : JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("Cannot read the record: invalid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "Cannot read the record: expected a JSON object such as {\"date\": \"2001-06-03T14:05:00\", \"origin\": \"SEA\", ...}, got "
              + (node == null ? "an empty body" : node.getNodeType().toString().toLowerCase()));
    }
    return (ObjectNode) node;
  }

  private static final StructType BRONZE =
      new StructType()
          .add("payload", DataTypes.StringType)
          .add("corrupt_reason", DataTypes.StringType)
          .add("source_file", DataTypes.StringType)
          .add("page_sha256", DataTypes.StringType)
          .add("record_index", DataTypes.IntegerType)
          .add("file_modified_at", DataTypes.TimestampType);

  /**
   * The silver spec as it applies to a request: the columns only the label needs (those the gold
   * {@code label-expr} reads, e.g. {@code delay}) are not required, and their expectations skipped.
   */
  static PipelineSpec.Refined servingSpec(PipelineSpec spec) {
    Set<String> labelInputs = labelInputs(spec.gold().labelExpr());
    PipelineSpec.Refined s = spec.silver();
    List<String> required = s.required().stream().filter(r -> !labelInputs.contains(r)).toList();
    List<CheckSpec> expectations = s.expectations().stream().filter(e -> e.column() == null || !labelInputs.contains(e.column())).toList();
    return new PipelineSpec.Refined(
        s.table(), s.quarantineTable(), s.file(), s.recordSchema(), s.key(), s.lookups(), s.columns(), required, expectations, s.description());
  }

  /** The column names an SQL expression reads. */
  static Set<String> labelInputs(String sqlExpression) {
    Set<String> out = new LinkedHashSet<>();
    collect(org.apache.spark.sql.functions.expr(sqlExpression).expr(), out);
    return out;
  }

  private static void collect(Expression e, Set<String> out) {
    if (e instanceof UnresolvedAttribute a) {
      out.add(a.name());
    }
    for (Expression c : scala.collection.JavaConverters.seqAsJavaList(e.children())) {
      collect(c, out);
    }
  }

  /** Min and max of each numeric input and the positive rate over the model's training window, at its training version. */
  static TrainingRange trainingRange(Lakehouse lakehouse, PipelineSpec spec, ModelVersion v, PipelineModel model) {
    String[] window = v.trainWindow().replace("[", "").replace(")", "").split(",\\s*");
    TableId table = TableId.parse(v.trainingTable());
    Dataset<Row> train = Trainer.window(lakehouse.read(table, v.trainingTableVersion()), window[0].trim(), window[1].trim());
    // Only numeric inputs the record itself carries (silver columns, e.g. distance) are range-checked:
    // calendar columns (month) and trailing aggregates move past the training window by design.
    List<String> numeric = spec.model().numeric().stream().filter(spec.silver().columns()::containsKey).toList();
    List<Column> aggs = new ArrayList<>();
    aggs.add(org.apache.spark.sql.functions.avg(col(spec.gold().label()).cast("double")));
    for (String n : numeric) {
      aggs.add(org.apache.spark.sql.functions.min(col(n).cast("double")));
      aggs.add(org.apache.spark.sql.functions.max(col(n).cast("double")));
    }
    Row r = train.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    Map<String, double[]> ranges = new LinkedHashMap<>();
    for (int i = 0; i < numeric.size(); i++) {
      if (!r.isNullAt(1 + 2 * i)) {
        ranges.put(numeric.get(i), new double[] {r.getDouble(1 + 2 * i), r.getDouble(2 + 2 * i)});
      }
    }
    Map<String, Set<String>> categories = new LinkedHashMap<>();
    for (Transformer stage : model.stages()) {
      if (stage instanceof StringIndexerModel si) {
        String[] in = si.getInputCols();
        String[][] labels = si.labelsArray();
        for (int i = 0; i < in.length; i++) {
          categories.put(in[i], new LinkedHashSet<>(Arrays.asList(labels[i])));
        }
      }
    }
    return new TrainingRange(ranges, categories, r.isNullAt(0) ? 0.5 : r.getDouble(0));
  }
}
