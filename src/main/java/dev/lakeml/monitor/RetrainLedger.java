package dev.lakeml.monitor;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Every retrain decision, fired or not, in {@code ops.retrain_decisions}: one row per monitored
 * window with the rule, the evidence, why, and — when it fired — the retrained version and the
 * promotion gate's verdict. The earlier rows are the rule's memory (drift streak, cool-down).
 */
public final class RetrainLedger {
  public static final TableId TABLE = TableId.of(Layer.OPS, "retrain_decisions");

  /** The columns of ops.retrain_decisions; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("run_id", DataTypes.StringType)
          .add("model_name", DataTypes.StringType, false)
          .add("seq", DataTypes.LongType, false)
          .add("scoring_run_id", DataTypes.StringType)
          .add("monitor_run_id", DataTypes.StringType)
          .add("model_version", DataTypes.IntegerType)
          .add("as_of", DataTypes.DateType)
          .add("labels_before", DataTypes.DateType)
          .add("rule", DataTypes.StringType)
          .add("fired", DataTypes.BooleanType)
          .add("trigger", DataTypes.StringType)
          .add("drift_alarm", DataTypes.BooleanType)
          .add("drift_share", DataTypes.DoubleType)
          .add("consecutive_drift_windows", DataTypes.IntegerType)
          .add("important_features", DataTypes.createArrayType(DataTypes.StringType))
          .add("alarming_features", DataTypes.createArrayType(DataTypes.StringType))
          .add("realized_auc", DataTypes.DoubleType)
          .add("labelled_rows", DataTypes.LongType)
          .add("cool_down_until", DataTypes.DateType)
          .add("reasons", DataTypes.createArrayType(DataTypes.StringType))
          .add("retrained_version", DataTypes.IntegerType)
          .add("train_window", DataTypes.StringType)
          .add("evaluate_window", DataTypes.StringType)
          .add("gate_action", DataTypes.StringType)
          .add("gate_challenger_value", DataTypes.DoubleType)
          .add("gate_champion_value", DataTypes.DoubleType)
          .add("champion_after", DataTypes.IntegerType)
          .add("decided_at", DataTypes.TimestampType);

  /** What was monitored and decided, and (when fired) what the retraining and the gate did. */
  public record Entry(
      String runId,
      String model,
      String scoringRunId,
      String monitorRunId,
      int modelVersion,
      LocalDate asOf,
      LocalDate labelsBefore,
      String rule,
      RetrainRule.Decision decision,
      Double realizedAuc,
      long labelledRows,
      Integer retrainedVersion,
      String trainWindow,
      String evaluateWindow,
      String gateAction,
      Double gateChallengerValue,
      Double gateChampionValue,
      Integer championAfter,
      List<String> notes) {}

  private final Lakehouse lakehouse;

  public RetrainLedger(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** True when the evidence of this monitoring run was already decided on. */
  public boolean decided(String model, String monitorRunId) {
    return lakehouse.exists(TABLE)
        && !lakehouse.read(TABLE).filter(col("model_name").equalTo(model).and(col("monitor_run_id").equalTo(monitorRunId))).limit(1).isEmpty();
  }

  /** The earlier decisions of a model, oldest first (by data time, then order of decision). */
  public List<RetrainRule.Past> history(String model) {
    List<RetrainRule.Past> out = new ArrayList<>();
    if (!lakehouse.exists(TABLE)) {
      return out;
    }
    for (Row r : lakehouse.read(TABLE).filter(col("model_name").equalTo(model)).orderBy("as_of", "seq").select("as_of", "drift_alarm", "fired").collectAsList()) {
      out.add(new RetrainRule.Past(r.getDate(0).toLocalDate(), r.getBoolean(1), r.getBoolean(2)));
    }
    return out;
  }

  /** Appends one decision in one commit (idempotent per model and sequence number). */
  public long record(Entry e) {
    long seq = lakehouse.exists(TABLE) ? lakehouse.read(TABLE).filter(col("model_name").equalTo(e.model())).count() + 1 : 1;
    RetrainRule.Decision d = e.decision();
    List<String> reasons = new ArrayList<>(d.reasons());
    reasons.addAll(e.notes());
    Row row =
        RowFactory.create(
            e.runId(), e.model(), seq, e.scoringRunId(), e.monitorRunId(), e.modelVersion(), Date.valueOf(e.asOf()),
            e.labelsBefore() == null ? null : Date.valueOf(e.labelsBefore()), e.rule(), d.fired(), d.trigger(), d.driftAlarm(), d.driftShare(),
            d.consecutiveDriftWindows(), seq(d.important()), seq(d.alarming()), e.realizedAuc(), e.labelledRows(),
            d.coolDownUntil() == null ? null : Date.valueOf(d.coolDownUntil()), seq(reasons), e.retrainedVersion(), e.trainWindow(), e.evaluateWindow(),
            e.gateAction(), e.gateChallengerValue(), e.gateChampionValue(), e.championAfter(), Timestamp.from(Instant.now()));
    return lakehouse.write(
        lakehouse.spark().createDataFrame(List.of(row), SCHEMA),
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.retrain_decisions." + e.model(), seq),
        Map.of("run_id", e.runId(), "model", e.model(), "fired", d.fired(), "monitor_run_id", e.monitorRunId()));
  }

  private static scala.collection.Seq<String> seq(List<String> list) {
    return scala.collection.JavaConverters.asScalaBuffer(list).toSeq();
  }
}
