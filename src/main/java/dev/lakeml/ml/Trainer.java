package dev.lakeml.ml;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.features.PointInTimeFeatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Fits the spec's model on a time-ordered split of the feature table: train on
 * [train-from, train-before), evaluate on the later [evaluate-from, evaluate-before). Never a random
 * split: a flight's future must not leak into its own training data.
 */
public final class Trainer {
  public static final String FEATURES = "features";
  public static final String PROBABILITY = "probability";

  static final String WEIGHT = "_class_weight";

  /**
   * A fitted pipeline with its hold-out metrics (overall and per month, as {@code month=yyyy-MM.auc}),
   * the names of the model's inputs, the params it was fitted with (the tuned ones included), its
   * global feature importances by vector-slot name (trees: impurity importance; linear: |coefficient|)
   * and each numeric input's approximate quantiles over the training rows at the levels asked for
   * (empty when none were, and for a regression).
   */
  public record Trained(
      PipelineModel model,
      Map<String, Double> metrics,
      List<String> featureNames,
      Map<String, String> params,
      Map<String, Double> importances,
      Map<String, double[]> trainingQuantiles) {}

  private Trainer() {}

  public static Trained train(Dataset<Row> gold, String label, PipelineSpec.Model spec) {
    return train(gold, label, spec, holdOut -> {});
  }

  /**
   * As {@link #train(Dataset, String, PipelineSpec.Model)}; {@code holdOut} is called once with the
   * evaluation window scored by the fitted model, while it is cached (a classifier's rows hold the
   * label, {@link #PROBABILITY} and the event date; a regressor's every column and
   * {@link Regression#PREDICTION}), so a caller can measure it without scoring it again.
   */
  public static Trained train(Dataset<Row> gold, String label, PipelineSpec.Model spec, java.util.function.Consumer<Dataset<Row>> holdOut) {
    return train(gold, label, spec, new double[0], holdOut);
  }

  /**
   * As above; a classifier's result also holds each numeric input's quantiles over the training
   * rows at {@code levels} ({@link Trained#trainingQuantiles}, the drift reference's cut points).
   * They come from the digests that give the Imputer its medians: one aggregate over the split,
   * with the row counts, instead of the Imputer's pass and a pass of the caller's own.
   */
  public static Trained train(
      Dataset<Row> gold, String label, PipelineSpec.Model spec, double[] levels, java.util.function.Consumer<Dataset<Row>> holdOut) {
    if (spec.task() == PipelineSpec.Task.REGRESSION) {
      return Regression.train(gold, label, spec, holdOut);
    }
    Dataset<Row> train = window(gold, spec.trainFrom().toString(), spec.trainBefore().toString());
    Dataset<Row> eval = evaluationRows(gold, label, spec);
    Column isTrain = col(PointInTimeFeatures.EVENT_DATE).lt(lit(spec.trainBefore().toString()));
    double[] asked = withMedian(levels);
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(count_if(isTrain));
    aggregates.add(count_if(col(PointInTimeFeatures.EVENT_DATE).geq(lit(spec.evaluateFrom().toString()))));
    aggregates.add(avg(when(isTrain, col(label))));
    for (String c : spec.numeric()) {
      aggregates.add(ApproxQuantiles.of(when(isTrain, col(c)), asked));
    }
    Row counts =
        window(gold, spec.trainFrom().toString(), spec.evaluateBefore().toString())
            .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0]))
            .first();
    long trainRows = counts.getLong(0);
    long evalRows = counts.getLong(1);
    if (trainRows == 0 || evalRows == 0) {
      throw new LakemlException(
          "Cannot train " + spec.name() + ": the split has " + trainRows + " training rows ["
              + spec.trainFrom() + ", " + spec.trainBefore() + ") and " + evalRows
              + " evaluation rows [" + spec.evaluateFrom() + ", " + spec.evaluateBefore()
              + "). Ingest data covering both windows or change model.split in the spec.");
    }
    double[] medians = new double[spec.numeric().size()];
    Map<String, double[]> quantiles = new LinkedHashMap<>();
    for (int i = 0; i < medians.length; i++) {
      String c = spec.numeric().get(i);
      if (counts.isNullAt(3 + i)) {
        throw new LakemlException(
            "Cannot train " + spec.name() + ": numeric input " + c + " has no value in the training window [" + spec.trainFrom() + ", "
                + spec.trainBefore() + "): every row is null or NaN, so there is no median to impute it with. Fill the column in gold or "
                + "remove it from model.numeric in the spec.");
      }
      List<Double> q = counts.getList(3 + i); // at asked, which is sorted
      medians[i] = q.get(java.util.Arrays.binarySearch(asked, 0.5));
      quantiles.put(c, java.util.Arrays.stream(levels).map(l -> q.get(java.util.Arrays.binarySearch(asked, l))).toArray());
    }
    Map<String, String> params = new LinkedHashMap<>(spec.params());
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (spec.tuning().enabled()) {
      Tuner.Best best = Tuner.tune(gold, label, spec);
      params.putAll(best.params());
      metrics.putAll(best.metrics());
    }
    double positiveRate = counts.isNullAt(2) ? 0.5 : counts.getDouble(2);
    PipelineModel model = pipeline(label, spec, params, medians).fit(weighted(train, label, spec.classWeight(), positiveRate));
    XGBoost.predictWithCores(model, gold.sparkSession(), true);
    Dataset<Row> transformed = model.transform(eval);
    // Only what the metrics read is cached: not the features, vectors and gold columns of every row.
    Dataset<Row> scored = transformed.select(col(label), col(PROBABILITY), col(PointInTimeFeatures.EVENT_DATE)).persist();
    try {
      metrics.putAll(evaluate(scored, label));
      metrics.put("train_rows", (double) trainRows);
      metrics.put("eval_rows", (double) evalRows);
      holdOut.accept(scored);
      return new Trained(
          model, metrics, featureNames(spec), params, FeatureImportances.of(model, transformed.schema()), levels.length == 0 ? Map.of() : quantiles);
    } finally {
      scored.unpersist();
      XGBoost.predictWithCores(model, gold.sparkSession(), false);
    }
  }

  /** Adds the class-weight column: balanced weighs class c by 1 / (2 * share of c), so both classes weigh half. */
  static Dataset<Row> weighted(Dataset<Row> data, String label, PipelineSpec.ClassWeight weights, double positiveRate) {
    if (weights == PipelineSpec.ClassWeight.NONE || positiveRate <= 0 || positiveRate >= 1) {
      return data.withColumn(WEIGHT, lit(1.0));
    }
    return data.withColumn(
        WEIGHT,
        org.apache.spark.sql.functions.when(col(label).equalTo(1), lit(0.5 / positiveRate)).otherwise(lit(0.5 / (1 - positiveRate))));
  }

  /**
   * The rows a model of {@code spec} is evaluated on: its evaluation window of {@code gold}, and for a
   * regression only the rows whose label is known. Training and the recovery of a killed run's
   * reference bins both read it, so the prediction's bins describe the same rows either way.
   */
  public static Dataset<Row> evaluationRows(Dataset<Row> gold, String label, PipelineSpec.Model spec) {
    Dataset<Row> rows = spec.task() == PipelineSpec.Task.REGRESSION ? gold.filter(col(label).isNotNull()) : gold;
    return window(rows, spec.evaluateFrom().toString(), spec.evaluateBefore().toString());
  }

  /** Rows whose event date lies in [from, before). */
  public static Dataset<Row> window(Dataset<Row> gold, String from, String before) {
    return gold.filter(col(PointInTimeFeatures.EVENT_DATE).geq(lit(from)).and(col(PointInTimeFeatures.EVENT_DATE).lt(lit(before))));
  }

  /** Names of the assembled vector's slots, in order (categoricals as their index or one-hot). */
  public static List<String> featureNames(PipelineSpec.Model spec) {
    List<String> names = new ArrayList<>(spec.categorical());
    names.addAll(spec.numeric());
    return names;
  }

  static Pipeline pipeline(String label, PipelineSpec.Model spec) {
    return pipeline(label, spec, spec.params());
  }

  static Pipeline pipeline(String label, PipelineSpec.Model spec, Map<String, String> params) {
    return pipeline(label, spec, params, null);
  }

  /**
   * The spec's pipeline. With {@code medians} (one per numeric input, over the rows it will be fitted
   * on), the Imputer comes already fitted to them: the {@link ImputerModel} its own fit would build,
   * without that fit's pass over the rows.
   */
  static Pipeline pipeline(String label, PipelineSpec.Model spec, Map<String, String> params, double[] medians) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> vectorInputs = new ArrayList<>();
    boolean linear = spec.estimator() == PipelineSpec.Estimator.LOGISTIC_REGRESSION || spec.estimator() == PipelineSpec.Estimator.LINEAR_REGRESSION;
    // Linear models need one slot per category. Trees take the index: MLlib's read its nominal
    // attribute as a category, XGBoost is told which slots are categorical (XGBoost.classifier).
    boolean oneHot = linear;
    if (!spec.categorical().isEmpty()) {
      String[] in = spec.categorical().toArray(new String[0]);
      String[] idx = spec.categorical().stream().map(c -> c + "_idx").toArray(String[]::new);
      stages.add(new StringIndexer().setInputCols(in).setOutputCols(idx).setHandleInvalid("keep").setStringOrderType("alphabetAsc"));
      if (oneHot) {
        String[] oh = spec.categorical().stream().map(c -> c + "_oh").toArray(String[]::new);
        stages.add(new OneHotEncoder().setInputCols(idx).setOutputCols(oh).setHandleInvalid("keep"));
        vectorInputs.addAll(List.of(oh));
      } else {
        vectorInputs.addAll(List.of(idx));
      }
    }
    if (!spec.numeric().isEmpty()) {
      String[] in = spec.numeric().toArray(new String[0]);
      String[] imp = spec.numeric().stream().map(c -> c + "_imp").toArray(String[]::new);
      // Cast to double inside the pipeline (Imputer takes only floating point); saved with the model.
      String[] dbl = spec.numeric().stream().map(c -> c + "_dbl").toArray(String[]::new);
      StringBuilder sql = new StringBuilder("SELECT *");
      for (int i = 0; i < in.length; i++) {
        sql.append(", CAST(`").append(in[i]).append("` AS DOUBLE) AS `").append(dbl[i]).append('`');
      }
      stages.add(new SQLTransformer().setStatement(sql.append(" FROM __THIS__").toString()));
      Imputer imputer = new Imputer().setInputCols(dbl).setOutputCols(imp).setStrategy("median");
      stages.add(medians == null ? imputer : fitted(imputer, medians));
      vectorInputs.addAll(List.of(imp));
    }
    stages.add(new VectorAssembler().setInputCols(vectorInputs.toArray(new String[0])).setOutputCol(FEATURES).setHandleInvalid("keep"));
    if (spec.estimator() == PipelineSpec.Estimator.XGBOOST) {
      stages.add(new DenseFeatures());
    }
    stages.add(spec.task() == PipelineSpec.Task.REGRESSION ? Regression.estimator(label, spec, params) : estimator(label, spec, params));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]));
  }

  /**
   * Checks {@code model.params} and every value of {@code model.tuning.grid} against the estimator's
   * own parameters (name, type, allowed range) at start-up, before any data is read: a wrong one
   * stops with the spec file, the key and what is allowed. XGBoost's are checked when its library is
   * on the classpath (without it, train and score say what to add).
   */
  public static void checkParams(PipelineSpec spec) {
    PipelineSpec.Model m = spec.model();
    if (m.estimator() == PipelineSpec.Estimator.XGBOOST && !XGBoost.onClasspath(XGBoost.class.getClassLoader())) {
      return;
    }
    try {
      org.apache.spark.ml.param.Params est =
          m.task() == PipelineSpec.Task.REGRESSION ? Regression.estimator("label", m, m.params()) : estimator("label", m, m.params());
      for (Map.Entry<String, List<String>> axis : m.tuning().grid().entrySet()) {
        for (String value : axis.getValue()) {
          set(est, paramName(m, axis.getKey()), value, "model.tuning.grid." + axis.getKey());
        }
      }
    } catch (dev.lakeml.LakemlException e) {
      throw new dev.lakeml.LakemlException(e.getMessage().replace("Cannot load the pipeline spec:", "Cannot load " + spec.file() + ":"), null, e.exitCode());
    }
  }

  /** The estimator's name for a spec param: XGBoost also takes MLlib's names ({@link XGBoost#ALIASES}). */
  static String paramName(PipelineSpec.Model spec, String key) {
    return spec.estimator() == PipelineSpec.Estimator.XGBOOST ? XGBoost.ALIASES.getOrDefault(key, key) : key;
  }

  static ProbabilisticClassifier<?, ?, ?> estimator(String label, PipelineSpec.Model spec, Map<String, String> params) {
    ProbabilisticClassifier<?, ?, ?> est =
        switch (spec.estimator()) {
          case GBT -> new GBTClassifier().setSeed(spec.seed()).setMaxBins(256);
          case RANDOM_FOREST -> new RandomForestClassifier().setSeed(spec.seed()).setMaxBins(256);
          case LOGISTIC_REGRESSION -> new LogisticRegression();
          case LINEAR_REGRESSION -> throw new IllegalArgumentException("linear_regression is a regression estimator (model.task = regression)");
          case XGBOOST -> XGBoost.classifier(spec.name(), spec.seed(), spec.categorical().size(), spec.numeric().size());
        };
    est.setLabelCol(label).setFeaturesCol(FEATURES).setProbabilityCol(PROBABILITY);
    // Every row carries a weight column (1.0 without class weights): fitted models then agree on params.
    set(est, "weightCol", WEIGHT, "model.class-weight");
    for (Map.Entry<String, String> p : params.entrySet()) {
      set(est, paramName(spec, p.getKey()), p.getValue(), "model.params." + p.getKey());
    }
    return est;
  }

  static void set(org.apache.spark.ml.param.Params est, String name, String value, String key) {
    if (!est.hasParam(name)) {
      List<String> known = new ArrayList<>();
      for (Param<?> p : est.params()) {
        known.add(p.name());
      }
      throw Errors.config(
          "the pipeline spec",
          key,
          "is not a parameter of " + est.getClass().getSimpleName() + ". It must be one of the allowed: " + String.join(", ", known) + ".");
    }
    Param<Object> param = (Param<Object>) est.getParam(name);
    boolean plainString = param.getClass() == Param.class;
    try {
      est.set(param, param.jsonDecode(plainString ? "\"" + value.replace("\"", "\\\"") + "\"" : value));
    } catch (Exception e) { // jsonDecode throws Jackson's (checked) JsonParseException for a word where a number belongs
      String type = param.getClass().getSimpleName().replace("Param", "").toLowerCase();
      throw Errors.config(
          "the pipeline spec",
          key,
          "has an invalid value '" + value + "': " + firstLine(e) + ". It must be " + (type.isEmpty() ? "a value" : "a " + type) + " allowed by "
              + est.getClass().getSimpleName() + "." + name + ": " + param.doc() + ".");
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** {@code levels}, sorted, with 0.5 (the median) among them. */
  static double[] withMedian(double[] levels) {
    return java.util.stream.DoubleStream.concat(java.util.Arrays.stream(levels), java.util.stream.DoubleStream.of(0.5)).distinct().sorted().toArray();
  }

  /**
   * What {@code imputer.fit} returns when the medians of its input columns are {@code medians}: an
   * {@link ImputerModel} with the imputer's uid and params and a one-row table of the surrogates.
   */
  static ImputerModel fitted(Imputer imputer, double[] medians) {
    StructType schema = new StructType();
    Object[] values = new Object[medians.length];
    for (int i = 0; i < medians.length; i++) {
      schema = schema.add(imputer.getInputCols()[i], DataTypes.DoubleType, false);
      values[i] = medians[i];
    }
    Dataset<Row> surrogates = SparkSession.active().createDataFrame(List.of(RowFactory.create(values)), schema);
    return imputer.copyValues(new ImputerModel(imputer.uid(), surrogates).setParent(imputer), ParamMap.empty());
  }

  /** The positive class's probability: element 1 of the {@link #PROBABILITY} vector. */
  public static org.apache.spark.sql.Column positiveProbability() {
    return functions.vector_to_array(col(PROBABILITY), "float64").getItem(1);
  }

  /**
   * AUC, PR-AUC, log-loss and positive rate of scored rows against the label, and each calendar
   * month's rows, positive rate and AUC (as {@code month=yyyy-MM.auc}), from one {@link
   * BinaryMetrics} pass.
   */
  public static Map<String, Double> evaluate(Dataset<Row> scored, String label) {
    BinaryMetrics.Grouped m =
        BinaryMetrics.byGroup(
            scored, org.apache.spark.sql.functions.date_format(col(PointInTimeFeatures.EVENT_DATE), "yyyy-MM"), positiveProbability(), col(label));
    Map<String, Double> out = new LinkedHashMap<>(m.all().asMap());
    for (Map.Entry<String, BinaryMetrics.Metrics> month : m.groups().entrySet()) {
      String key = "month=" + month.getKey();
      out.put(key + ".rows", (double) month.getValue().rows());
      out.put(key + ".positive_rate", month.getValue().positiveRate());
      out.put(key + ".auc", month.getValue().auc());
    }
    return out;
  }
}
