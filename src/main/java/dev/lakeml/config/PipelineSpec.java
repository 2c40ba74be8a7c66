package dev.lakeml.config;

import com.typesafe.config.Config;
import dev.lakeml.Errors;
import dev.lakeml.ingest.http.HttpSourceSpec;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pipeline does, from {@code jobs/<name>.conf}: its source, the tables of each layer, their
 * checks, the features and the model. Parsed once, validated, immutable.
 */
public record PipelineSpec(
    String name,
    String description,
    String owner,
    String file,
    Source source,
    String bronzeTable,
    List<Refined> dimensions,
    Refined silver,
    Features gold,
    Model model,
    Score score,
    Monitor monitor,
    Retrain retrain) {

  /** A spec without a {@code retrain} block: retraining is off. */
  public PipelineSpec(
      String name, String description, String owner, String file, Source source, String bronzeTable, List<Refined> dimensions, Refined silver,
      Features gold, Model model, Score score, Monitor monitor) {
    this(name, description, owner, file, source, bronzeTable, dimensions, silver, gold, model, score, monitor, Retrain.off());
  }

  /** This spec with another model section (e.g. a retraining window). */
  public PipelineSpec withModel(Model m) {
    return new PipelineSpec(name, description, owner, file, source, bronzeTable, dimensions, silver, gold, m, score, monitor, retrain);
  }

  /** This spec with its files source read from another folder (e.g. a simulation's landing folder). */
  public PipelineSpec withSourcePath(String path) {
    Source s = new Source(source.name(), source.type(), path, source.recordsField(), source.idField(), source.http());
    return new PipelineSpec(name, description, owner, file, s, bronzeTable, dimensions, silver, gold, model, score, monitor, retrain);
  }

  /** This spec with another retrain rule. */
  public PipelineSpec withRetrain(Retrain r) {
    return new PipelineSpec(name, description, owner, file, source, bronzeTable, dimensions, silver, gold, model, score, monitor, r);
  }

  /**
   * Where raw pages come from.
   *
   * @param path {@code files}: the folder of {@code <window>/<page>.json} files (required); {@code
   *     http}: the landing folder pulls are saved in, or null for {@code <root>/_landing/<name>}
   * @param http how to pull, when {@code type = http}; null for {@code files}
   */
  public record Source(String name, SourceType type, String path, String recordsField, String idField, HttpPull http) {}

  public enum SourceType {
    /** Page files already in a landing folder (or shipped with the repo). */
    FILES,
    /** A paged JSON API, pulled one day (window) at a time into the landing folder. */
    HTTP
  }

  /**
   * An HTTP source: the request spec and the days to pull, {@code from} to {@code to} inclusive.
   *
   * @param to the last day to pull, or null for "yesterday (UTC)" at the time of the run
   */
  public record HttpPull(HttpSourceSpec spec, LocalDate from, LocalDate to) {
    /** The last day a run started on {@code today} pulls. */
    public LocalDate lastWindow(LocalDate today) {
      return to != null ? to : today.minusDays(1);
    }
  }

  /** A silver table: parsed, typed, enriched by lookups, checked, with rejects kept in quarantine. */
  public record Refined(
      String table,
      String quarantineTable,
      FileInput file,
      String recordSchema,
      String key,
      List<Lookup> lookups,
      Map<String, String> columns,
      List<String> required,
      List<CheckSpec> expectations,
      String description,
      boolean profile,
      Pivot pivot) {
    /** Without {@code profile} and {@code pivot}: the table is not profiled and has no pivot step. */
    public Refined(
        String table, String quarantineTable, FileInput file, String recordSchema, String key, List<Lookup> lookups, Map<String, String> columns,
        List<String> required, List<CheckSpec> expectations, String description) {
      this(table, quarantineTable, file, recordSchema, key, lookups, columns, required, expectations, description, false, null);
    }
  }

  /**
   * Long records (one per entity, day and measure, as many APIs return them) pivoted to one row per
   * {@code keys}: each value of {@code column} listed in {@code values} becomes a column holding that
   * record's {@code value}; records of other values are ignored. Re-pulled copies of one (keys,
   * column) record are collapsed first (newest file wins). The refined table's {@code key} names the
   * row's id: one of {@code keys}, or a new column {@code concat_ws('|', keys)}.
   */
  public record Pivot(List<String> keys, String column, String value, List<String> values) {}

  /** A dimension read from a file instead of from bronze. */
  public record FileInput(String path, String format, Map<String, String> options) {}

  /** Enrich with columns of a dimension; an unmatched required lookup sends the row to quarantine. */
  public record Lookup(String dimension, String on, String key, List<String> select, String prefix, boolean required) {}

  /**
   * The gold feature table: one row per entity with point-in-time trailing aggregates. Each version
   * is first written to {@code candidatesTable}, audited, and only then published as {@code table}
   * (write-audit-publish); rows breaking a quarantine expectation go to {@code quarantineTable}.
   */
  public record Features(
      String table,
      String candidatesTable,
      String quarantineTable,
      String eventDate,
      String label,
      String labelExpr,
      Map<String, String> columns,
      List<Trailing> trailing,
      List<CheckSpec> expectations,
      String description,
      boolean profile,
      String labelType) {
    /** A feature table with an integer (class) label, not profiled. */
    public Features(
        String table, String candidatesTable, String quarantineTable, String eventDate, String label, String labelExpr, Map<String, String> columns,
        List<Trailing> trailing, List<CheckSpec> expectations, String description) {
      this(table, candidatesTable, quarantineTable, eventDate, label, labelExpr, columns, trailing, expectations, description, false, "int");
    }
  }

  /**
   * A trailing aggregate over the {@code days} days strictly before the row's event date; {@code of}
   * defaults to the label. {@code LAG} is the value of {@code of} exactly {@code days} days before
   * (the day's mean when the group has several rows that day; null when it has none).
   */
  public record Trailing(String name, List<String> groupBy, int days, Aggregate aggregate, String of) {}

  public enum Aggregate {
    COUNT,
    MEAN,
    SUM,
    MIN,
    MAX,
    LAG
  }

  /** The model: features, estimator and a time-ordered split. */
  public record Model(
      String name,
      List<String> categorical,
      List<String> numeric,
      Estimator estimator,
      Map<String, String> params,
      LocalDate trainFrom,
      LocalDate trainBefore,
      LocalDate evaluateFrom,
      LocalDate evaluateBefore,
      long seed,
      ClassWeight classWeight,
      Tuning tuning,
      Promotion promotion,
      Task task) {
    /** A classification model. */
    public Model(
        String name, List<String> categorical, List<String> numeric, Estimator estimator, Map<String, String> params, LocalDate trainFrom,
        LocalDate trainBefore, LocalDate evaluateFrom, LocalDate evaluateBefore, long seed, ClassWeight classWeight, Tuning tuning, Promotion promotion) {
      this(name, categorical, numeric, estimator, params, trainFrom, trainBefore, evaluateFrom, evaluateBefore, seed, classWeight, tuning, promotion, Task.CLASSIFICATION);
    }

    /**
     * This model with another time-ordered split (a tuning split keeps its distance to train-before).
     * Fails when the window leaves no room for training or tuning.
     */
    public Model withSplit(LocalDate trainFrom, LocalDate trainBefore, LocalDate evaluateFrom, LocalDate evaluateBefore) {
      if (!trainBefore.isAfter(trainFrom) || evaluateFrom.isBefore(trainBefore) || !evaluateBefore.isAfter(evaluateFrom)) {
        throw new dev.lakeml.LakemlException(
            "Cannot train " + name + " on [" + trainFrom + ", " + trainBefore + ") evaluated on [" + evaluateFrom + ", " + evaluateBefore
                + "): the windows must be time-ordered and non-empty. Wait for more labelled data, or lower retrain.evaluate-days.");
      }
      Tuning t = tuning;
      if (tuning.enabled()) {
        LocalDate tuneFrom = trainBefore.minusDays(java.time.temporal.ChronoUnit.DAYS.between(tuning.tuneFrom(), this.trainBefore));
        if (!tuneFrom.isAfter(trainFrom)) {
          throw new dev.lakeml.LakemlException(
              "Cannot train " + name + " on [" + trainFrom + ", " + trainBefore + "): the tuning split (model.tuning.tune-from, "
                  + tuning.tuneFrom() + " in the spec) would fall at " + tuneFrom + ", outside the training window.");
        }
        t = new Tuning(tuneFrom, tuning.grid());
      }
      return new Model(name, categorical, numeric, estimator, params, trainFrom, trainBefore, evaluateFrom, evaluateBefore, seed, classWeight, t, promotion, task);
    }
  }

  /** What the model predicts: a class probability (binary label 0/1) or a number. */
  public enum Task {
    CLASSIFICATION,
    REGRESSION;

    /** The metrics the promotion gate may compare for this task; the first is the default. */
    public List<String> metrics() {
      return this == CLASSIFICATION ? List.of("auc", "pr_auc") : List.of("rmse", "mae", "r2");
    }

    /** True when a smaller value of {@code metric} is better (errors), false for scores (AUC, R²). */
    public static boolean lowerIsBetter(String metric) {
      return metric.equals("rmse") || metric.equals("mae") || metric.equals("log_loss");
    }
  }

  /** {@code gbt} and {@code random_forest} serve both tasks; the linear ones and {@code xgboost} (classification) one task each. */
  public enum Estimator {
    GBT,
    LOGISTIC_REGRESSION,
    RANDOM_FOREST,
    LINEAR_REGRESSION,
    /** XGBoost's Spark classifier (ml.dmlc:xgboost4j-spark, not bundled in the spark-submit jar). */
    XGBOOST;

    public boolean supports(Task task) {
      return switch (this) {
        case LOGISTIC_REGRESSION, XGBOOST -> task == Task.CLASSIFICATION;
        case LINEAR_REGRESSION -> task == Task.REGRESSION;
        default -> true;
      };
    }
  }

  /** How training rows are weighted by class: {@code balanced} weighs each class by n / (2 * n_class). */
  public enum ClassWeight {
    NONE,
    BALANCED
  }

  /**
   * A parameter grid tuned on a time-ordered split inside the training window: fit on [train-from,
   * tune-from), score on [tune-from, train-before), refit the best on the whole window. Empty grid: no tuning.
   */
  public record Tuning(LocalDate tuneFrom, Map<String, List<String>> grid) {
    public boolean enabled() {
      return !grid.isEmpty();
    }
  }

  /** The promotion gate: a challenger must beat the champion's {@code metric} by {@code minImprovement}. */
  public record Promotion(String metric, double minImprovement) {}

  /**
   * Drift monitoring: PSI for numeric features and the prediction, Jensen-Shannon for categoricals.
   *
   * @param exclude model inputs that are measured and stored but never warn or alarm (status {@code
   *     excluded}), e.g. {@code month}, which always shifts when a later month is scored
   */
  public record Monitor(
      double psiWarn, double psiAlarm, double jsWarn, double jsAlarm, int bins, int topCategories, List<String> exclude) {
    public Monitor(double psiWarn, double psiAlarm, double jsWarn, double jsAlarm, int bins, int topCategories) {
      this(psiWarn, psiAlarm, jsWarn, jsAlarm, bins, topCategories, List.of());
    }
  }

  /**
   * When monitoring triggers a retraining (the {@code retrain} stage, after {@code monitor}): a drift
   * alarm on at least {@code shareOfFeatures} of the champion's important inputs (importance share >=
   * {@code minImportance}, {@code monitor.exclude} left out) in {@code consecutiveWindows} monitored
   * windows in a row, or a realized AUC below {@code aucFloor} on at least {@code minLabelledRows}
   * labelled rows. A retrain trains on a window ending at the latest labelled data (the last {@code
   * evaluateDays} days evaluate it) and is promoted only through the gate; none fires within {@code
   * coolDownDays} days of data time after the last one.
   */
  public record Retrain(
      RetrainWhen when, double shareOfFeatures, int consecutiveWindows, double aucFloor, long minLabelledRows, int coolDownDays, double minImportance,
      int evaluateDays) {
    public static Retrain off() {
      return new Retrain(RetrainWhen.NEVER, 0.3, 2, 0.0, 200, 14, 0.05, 14);
    }
  }

  /** Which evidence may trigger a retraining. */
  public enum RetrainWhen {
    NEVER,
    DRIFT,
    PERFORMANCE,
    /** Drift or performance, whichever comes first. */
    ANY
  }

  /**
   * Batch scoring: the predictions table and the default date range [from, before).
   *
   * @param explain store each prediction's top contributing inputs on every scoring run, as {@code
   *     score --explain} does (logistic_regression and xgboost models only)
   */
  public record Score(String table, LocalDate from, LocalDate before, boolean explain) {
    /** Scoring without stored explanations. */
    public Score(String table, LocalDate from, LocalDate before) {
      this(table, from, before, false);
    }
  }

  public static PipelineSpec load(Path projectDir, String pipeline) {
    String relative = "jobs/" + pipeline + ".conf";
    if (!pipeline.matches("[A-Za-z0-9_-]+") || !ConfigFiles.exists(projectDir, relative)) {
      throw ConfigFiles.missing("pipeline spec", relative, projectDir);
    }
    Config config = ConfigFiles.parse(projectDir, relative);
    return read(new ConfigReader(config, relative, ""), relative);
  }

  static PipelineSpec read(ConfigReader r, String file) {
    String name = r.identifier("name");
    String description = r.string("description", "");
    String owner = r.string("owner", "unknown");

    Source source = source(r.object("source"), file);

    ConfigReader b = r.object("bronze");
    String bronzeTable = b.identifier("table");
    b.finish();

    List<Refined> dimensions = new ArrayList<>();
    for (ConfigReader d : r.objects("dimensions")) {
      dimensions.add(refined(d, true));
    }
    ConfigReader sr = r.object("silver");
    Refined silver = refined(sr, false);

    ConfigReader g = r.object("gold");
    String goldTable = g.identifier("table");
    Features gold =
        new Features(
            goldTable,
            g.identifier("candidates-table", goldTable + "_candidates"),
            g.identifier("quarantine-table", goldTable + "_quarantine"),
            g.string("event-date"),
            g.identifier("label"),
            g.string("label-expr"),
            expressions(g, "columns"),
            trailing(g),
            checks(g),
            g.string("description", ""),
            g.bool("profile", true),
            labelType(g, r));
    g.finish();

    ConfigReader m = r.object("model");
    ConfigReader split = m.object("split");
    Task task = m.enumValue("task", Task.class, Task.CLASSIFICATION);
    Estimator estimator = m.enumValue("estimator", Estimator.class, Estimator.GBT);
    if (!estimator.supports(task)) {
      throw Errors.config(file, m.path("estimator"), "'" + ConfigReader.name(estimator) + "' cannot be used with task = " + ConfigReader.name(task)
          + (task == Task.REGRESSION ? "; use gbt, random_forest or linear_regression." : "; use gbt, random_forest, logistic_regression or xgboost."));
    }
    Model model =
        new Model(
            m.identifier("name"),
            m.identifiers("categorical"),
            m.identifiers("numeric"),
            estimator,
            m.map("params"),
            date(split, "train-from"),
            date(split, "train-before"),
            date(split, "evaluate-from"),
            date(split, "evaluate-before"),
            m.integer("seed", 42, 0, Integer.MAX_VALUE),
            m.enumValue("class-weight", ClassWeight.class, ClassWeight.NONE),
            tuning(m.object("tuning")),
            promotion(m.object("promotion"), task),
            task);
    split.finish();
    if (task == Task.REGRESSION && model.tuning().enabled()) {
      throw Errors.config(file, "model.tuning", "is not supported yet with task = regression (the tuner scores candidates by AUC). Remove the grid.");
    }
    if (task == Task.REGRESSION && model.classWeight() != ClassWeight.NONE) {
      throw Errors.config(file, "model.class-weight", "applies to classification only; remove it with task = regression.");
    }
    if (model.tuning().enabled()
        && (!model.tuning().tuneFrom().isAfter(model.trainFrom()) || !model.tuning().tuneFrom().isBefore(model.trainBefore()))) {
      throw Errors.config(file, "model.tuning.tune-from", "must lie inside the training window (train-from, train-before), got " + model.tuning().tuneFrom() + ".");
    }
    if (!model.trainBefore().isAfter(model.trainFrom())
        || model.evaluateFrom().isBefore(model.trainBefore())
        || !model.evaluateBefore().isAfter(model.evaluateFrom())) {
      throw Errors.config(
          file,
          "model.split",
          "must be time-ordered: train-from < train-before <= evaluate-from < evaluate-before (no future data in training).");
    }
    m.finish();

    ConfigReader sc = r.object("score");
    Score score = new Score(sc.identifier("table"), date(sc, "from"), date(sc, "before"), sc.bool("explain", false));
    sc.finish();

    ConfigReader mo = r.object("monitor");
    Monitor monitor =
        new Monitor(
            mo.number("psi-warn", 0.10, 0, 10),
            mo.number("psi-alarm", 0.25, 0, 10),
            mo.number("js-warn", 0.10, 0, 1),
            mo.number("js-alarm", 0.25, 0, 1),
            mo.integer("bins", 10, 2, 100),
            mo.integer("top-categories", 20, 1, 1000),
            mo.identifiers("exclude"));
    for (String f : monitor.exclude()) {
      if (!model.numeric().contains(f) && !model.categorical().contains(f)) {
        throw Errors.config(file, "monitor.exclude", "must list model inputs (model.numeric or model.categorical), got '" + f + "'.");
      }
    }
    mo.finish();
    if (monitor.psiAlarm() < monitor.psiWarn() || monitor.jsAlarm() < monitor.jsWarn()) {
      throw Errors.config(file, "monitor", "must have each alarm threshold at or above its warn threshold (psi-warn <= psi-alarm, js-warn <= js-alarm).");
    }
    Retrain retrain = retrain(r.object("retrain"));
    r.finish();
    return new PipelineSpec(name, description, owner, file, source, bronzeTable, dimensions, silver, gold, model, score, monitor, retrain);
  }

  private static Retrain retrain(ConfigReader t) {
    Retrain d = Retrain.off();
    Retrain out =
        new Retrain(
            t.enumValue("when", RetrainWhen.class, RetrainWhen.NEVER),
            t.number("share-of-features", d.shareOfFeatures(), 0, 1),
            t.integer("consecutive-windows", d.consecutiveWindows(), 1, 100),
            t.number("auc-floor", d.aucFloor(), 0, 1),
            t.integer("min-labelled-rows", (int) d.minLabelledRows(), 1, Integer.MAX_VALUE),
            t.days("cool-down", d.coolDownDays()),
            t.number("min-importance", d.minImportance(), 0, 1),
            t.integer("evaluate-days", d.evaluateDays(), 1, 366));
    t.finish();
    return out;
  }

  private static Tuning tuning(ConfigReader t) {
    Map<String, List<String>> grid = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : t.map("grid").entrySet()) {
      List<String> values = new ArrayList<>();
      for (String v : e.getValue().split(",")) {
        if (!v.isBlank()) {
          values.add(v.trim());
        }
      }
      if (values.isEmpty()) {
        throw Errors.config(t.file(), t.path("grid." + e.getKey()), "must list at least one value, e.g. \"3,5\".");
      }
      grid.put(e.getKey(), List.copyOf(values));
    }
    LocalDate tuneFrom = grid.isEmpty() && !t.has("tune-from") ? null : date(t, "tune-from");
    t.finish();
    return new Tuning(tuneFrom, grid);
  }

  /** {@code gold.label-type}: int (a 0/1 class) or double; default double for a regression model, else int. */
  private static String labelType(ConfigReader g, ConfigReader root) {
    ConfigReader m = root.object("model");
    boolean regression = m.has("task") && m.string("task").equalsIgnoreCase("regression");
    String type = g.string("label-type", regression ? "double" : "int");
    if (!type.equals("int") && !type.equals("double")) {
      throw Errors.config(g.file(), g.path("label-type"), "must be int or double, got '" + type + "'.");
    }
    return type;
  }

  private static Promotion promotion(ConfigReader p, Task task) {
    String metric = p.string("metric", task.metrics().get(0));
    if (!task.metrics().contains(metric)) {
      throw Errors.config(
          p.file(), p.path("metric"), "must be " + String.join(" or ", task.metrics()) + " for task = " + ConfigReader.name(task) + ", got '" + metric + "'.");
    }
    Promotion out = new Promotion(metric, p.number("min-improvement", 0.0, -1, 1));
    p.finish();
    return out;
  }

  private static Source source(ConfigReader s, String file) {
    String name = s.identifier("name");
    SourceType type = s.enumValue("type", SourceType.class, SourceType.FILES);
    String recordsField = s.string("records-field", "records");
    String idField = s.string("id-field", "id");
    String path = type == SourceType.FILES ? s.string("path") : s.string("path", null);
    HttpPull http = null;
    if (type == SourceType.HTTP) {
      http = httpPull(s, name, recordsField, file);
    } else if (s.has("http")) {
      throw Errors.config(file, s.path("http"), "is read only when source.type = http. Set type = http or remove the http block.");
    }
    s.finish();
    return new Source(name, type, path, recordsField, idField, http);
  }

  /**
   * The {@code http} block: {@code window.from} / {@code window.to} are the days to pull, every
   * other key is an {@link HttpSourceSpec#fromProperties} key. The records field comes from {@code
   * source.records-field}, so bronze and the puller agree on it.
   */
  private static HttpPull httpPull(ConfigReader s, String name, String recordsField, String file) {
    if (!s.has("http")) {
      throw Errors.config(file, s.path("http"), "is required when source.type = http: base_url, path, window { param, from, to }, pagination { mode }.");
    }
    Map<String, String> props = new LinkedHashMap<>(s.map("http"));
    String fromKey = s.path("http.window.from");
    String rawFrom = props.remove("window.from");
    String rawTo = props.remove("window.to");
    if (rawFrom == null) {
      throw Errors.config(file, fromKey, "is required: the first day to pull, yyyy-MM-dd.");
    }
    if (props.containsKey("records_field")) {
      throw Errors.config(file, s.path("http.records_field"), "is taken from source.records-field; remove it here.");
    }
    props.put("records_field", recordsField);
    LocalDate from = parseDate(file, fromKey, rawFrom);
    LocalDate to = rawTo == null ? null : parseDate(file, s.path("http.window.to"), rawTo);
    if (to != null && to.isBefore(from)) {
      throw Errors.config(file, s.path("http.window.to"), "must not be before window.from (" + from + "), got '" + rawTo + "'.");
    }
    HttpSourceSpec spec;
    try {
      spec = HttpSourceSpec.fromProperties(name, props);
    } catch (IllegalArgumentException e) {
      // The spec's messages name the key under source.http and never hold a token.
      throw new dev.lakeml.LakemlException("Cannot load " + file + " (source.http): " + e.getMessage(), null, 2);
    }
    return new HttpPull(spec, from, to);
  }

  private static LocalDate parseDate(String file, String key, String raw) {
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw Errors.config(file, key, "must be a date yyyy-MM-dd, got '" + raw + "'.");
    }
  }

  private static Refined refined(ConfigReader r, boolean fromFile) {
    String table = r.identifier("table");
    FileInput input = null;
    if (fromFile) {
      ConfigReader f = r.object("file");
      input = new FileInput(f.string("path"), f.string("format", "csv"), f.map("options"));
      f.finish();
    }
    String schema = r.string("record-schema", null);
    if (!fromFile && schema == null) {
      throw Errors.config(r.file(), r.path("record-schema"), "is required: the DDL of one source record, e.g. \"id BIGINT, date STRING\".");
    }
    List<Lookup> lookups = new ArrayList<>();
    for (ConfigReader l : r.objects("lookups")) {
      String on = l.identifier("on");
      lookups.add(
          new Lookup(
              l.identifier("dimension"),
              on,
              l.identifier("key"),
              l.identifiers("select"),
              l.string("prefix", ""),
              l.bool("required", true)));
      l.finish();
    }
    Refined out =
        new Refined(
            table,
            r.identifier("quarantine-table", table + "_quarantine"),
            input,
            schema,
            r.identifier("key"),
            lookups,
            expressions(r, "columns"),
            r.identifiers("required"),
            checks(r),
            r.string("description", ""),
            r.bool("profile", !fromFile),
            pivot(r.object("pivot"), fromFile));
    r.finish();
    return out;
  }

  private static Pivot pivot(ConfigReader p, boolean fromFile) {
    if (!p.has("keys") && !p.has("column") && !p.has("value") && !p.has("values")) {
      p.finish();
      return null;
    }
    if (fromFile) {
      throw Errors.config(p.file(), p.path("keys"), "belongs to a pivot, which is supported on the silver table only, not on dimensions.");
    }
    Pivot out = new Pivot(p.identifiers("keys"), p.identifier("column"), p.identifier("value"), p.strings("values"));
    if (out.keys().isEmpty()) {
      throw Errors.config(p.file(), p.path("keys"), "must list the columns one pivoted row is keyed by, e.g. [station, date].");
    }
    if (out.values().isEmpty()) {
      throw Errors.config(p.file(), p.path("values"), "must list the values of '" + out.column() + "' that become columns, e.g. [PRCP, TMAX].");
    }
    for (String v : out.values()) {
      if (!v.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw Errors.config(p.file(), p.path("values"), "must list values usable as column names (letters, digits, underscore), got '" + v + "'.");
      }
    }
    p.finish();
    return out;
  }

  private static Map<String, String> expressions(ConfigReader r, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ConfigReader c : r.objects(key)) {
      out.put(c.identifier("name"), c.string("expr"));
      c.finish();
    }
    return out;
  }

  private static List<Trailing> trailing(ConfigReader r) {
    List<Trailing> out = new ArrayList<>();
    for (ConfigReader t : r.objects("trailing")) {
      String name = t.identifier("name");
      List<String> groupBy = t.identifiers("group-by");
      Aggregate aggregate = t.enumValue("aggregate", Aggregate.class, Aggregate.MEAN);
      String of = t.has("of") ? t.identifier("of") : null;
      if (t.has("lags")) {
        // lags = [1, 2, 3]: one LAG feature per entry, named <name>_<k>
        if (aggregate != Aggregate.LAG || t.has("days")) {
          throw Errors.config(t.file(), t.path("lags"), "is read only with aggregate = lag and without days (lags = [1, 2, 3] gives <name>_1 .. <name>_3).");
        }
        List<String> lags = t.strings("lags");
        if (lags.isEmpty()) {
          throw Errors.config(t.file(), t.path("lags"), "must list at least one lag in days, e.g. [1, 2, 3].");
        }
        for (String k : lags) {
          int days;
          try {
            days = Integer.parseInt(k.trim());
          } catch (NumberFormatException e) {
            days = -1;
          }
          if (days < 1 || days > 366) {
            throw Errors.config(t.file(), t.path("lags"), "must list whole numbers of days between 1 and 366, got '" + k + "'.");
          }
          out.add(new Trailing(name + "_" + days, groupBy, days, aggregate, of));
        }
      } else {
        out.add(new Trailing(name, groupBy, t.integer("days", 7, 1, 366), aggregate, of));
      }
      if (aggregate != Aggregate.COUNT && aggregate != Aggregate.MEAN && of == null) {
        throw Errors.config(t.file(), t.path("of"), "is required with aggregate = " + ConfigReader.name(aggregate) + ": the column to aggregate.");
      }
      t.finish();
    }
    return out;
  }

  private static List<CheckSpec> checks(ConfigReader r) {
    if (r.has("checks")) {
      throw Errors.config(
          r.file(),
          r.path("checks"),
          "was replaced by 'expectations': write each check as { rule = ..., column = ..., action = warn | quarantine | fail }"
              + " (see README, \"Expectations\").");
    }
    List<CheckSpec> out = new ArrayList<>();
    for (ConfigReader c : r.objects("expectations")) {
      out.add(CheckSpec.read(c));
    }
    return out;
  }

  private static LocalDate date(ConfigReader r, String key) {
    String raw = r.string(key);
    try {
      return LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw Errors.config(r.file(), r.path(key), "must be a date yyyy-MM-dd, got '" + raw + "'.");
    }
  }
}
