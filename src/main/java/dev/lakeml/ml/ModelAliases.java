package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The aliases {@code champion} and {@code challenger} of each model, kept as an append-only event log
 * in the Delta table {@code ops.model_aliases}: every event (a model trained, a gate decision, a
 * rollback) is one row, one commit, holding the alias state after it and, for gate decisions, the
 * evidence. The newest row per model ({@code seq}) is the current state, so promotion and rollback
 * are single atomic commits and the table is the audit trail.
 */
public final class ModelAliases {
  public static final TableId TABLE = TableId.of(Layer.OPS, "model_aliases");

  /** Event kinds written to {@code action}. */
  public static final String FIRST_CHAMPION = "first_champion";
  public static final String CHALLENGER = "challenger";
  public static final String PROMOTED = "promoted";
  public static final String REFUSED = "refused";
  public static final String ROLLBACK = "rollback";

  static final StructType EVIDENCE =
      new StructType()
          .add("metric", DataTypes.StringType)
          .add("min_improvement", DataTypes.DoubleType)
          .add("eval_table", DataTypes.StringType)
          .add("eval_table_version", DataTypes.LongType)
          .add("eval_window", DataTypes.StringType)
          .add("eval_rows", DataTypes.LongType)
          .add("challenger_value", DataTypes.DoubleType)
          .add("champion_value", DataTypes.DoubleType)
          .add("quality_passed", DataTypes.BooleanType)
          .add("quality_checked", DataTypes.createArrayType(DataTypes.StringType))
          .add("quality_failures", DataTypes.createArrayType(DataTypes.StringType))
          .add("passed", DataTypes.BooleanType)
          .add("reasons", DataTypes.createArrayType(DataTypes.StringType));

  /** The columns of ops.model_aliases; catalog/ops.conf documents each. */
  public static final StructType SCHEMA =
      new StructType()
          .add("model_name", DataTypes.StringType, false)
          .add("seq", DataTypes.LongType, false)
          .add("action", DataTypes.StringType)
          .add("subject_version", DataTypes.IntegerType)
          .add("champion", DataTypes.IntegerType)
          .add("challenger", DataTypes.IntegerType)
          .add("previous_champion", DataTypes.IntegerType)
          .add("evidence", EVIDENCE)
          .add("run_id", DataTypes.StringType)
          .add("at", DataTypes.TimestampType);

  private final Lakehouse lakehouse;

  public ModelAliases(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** The aliases now; {@link AliasState#none} before the first event. */
  public AliasState current(String model) {
    if (!lakehouse.exists(TABLE)) {
      return AliasState.none(model);
    }
    List<Row> rows =
        lakehouse
            .read(TABLE)
            .filter(col("model_name").equalTo(model))
            .orderBy(col("seq").desc())
            .limit(1)
            .select("seq", "champion", "challenger", "previous_champion", "action")
            .collectAsList();
    if (rows.isEmpty()) {
      return AliasState.none(model);
    }
    Row r = rows.get(0);
    return new AliasState(model, r.getLong(0), integer(r, 1), integer(r, 2), integer(r, 3), r.getString(4));
  }

  /**
   * Appends one event: the alias state after it, what caused it and the gate's evidence (may be
   * null). Idempotent per (model, seq): a retried commit of the same event is skipped by Delta.
   */
  public AliasState record(AliasState after, int subjectVersion, GateEvidence evidence, String runId) {
    Row ev =
        evidence == null
            ? null
            : RowFactory.create(
                evidence.metric(),
                evidence.minImprovement(),
                evidence.evalTable(),
                evidence.evalTableVersion(),
                evidence.evalWindow(),
                evidence.evalRows(),
                evidence.challengerValue(),
                evidence.championValue(),
                evidence.qualityPassed(),
                seq(evidence.qualityChecked()),
                seq(evidence.qualityFailures()),
                evidence.passed(),
                seq(evidence.reasons()));
    Row row =
        RowFactory.create(
            after.model(), after.seq(), after.action(), subjectVersion, after.champion(), after.challenger(), after.previousChampion(), ev, runId,
            Timestamp.from(Instant.now()));
    lakehouse.write(
        lakehouse.spark().createDataFrame(List.of(row), SCHEMA),
        TABLE,
        Lakehouse.Write.append().idempotent("lakeml.aliases." + after.model(), after.seq()),
        Map.of("run_id", runId, "model", after.model(), "action", after.action(), "champion", String.valueOf(after.champion())));
    return after;
  }

  /** Whether an event about {@code version} (its training, a gate decision, a rollback) is recorded. */
  public boolean recorded(String model, int version) {
    return lakehouse.exists(TABLE)
        && !lakehouse.read(TABLE).filter(col("model_name").equalTo(model).and(col("subject_version").equalTo(version))).limit(1).isEmpty();
  }

  /** After a version is registered: the first version of a model becomes champion, later ones challenger. */
  public AliasState afterTraining(String model, int version, String runId) {
    AliasState now = current(model);
    AliasState after =
        now.champion() == null
            ? new AliasState(model, now.seq() + 1, version, null, null, FIRST_CHAMPION)
            : new AliasState(model, now.seq() + 1, now.champion(), version, now.previousChampion(), CHALLENGER);
    return record(after, version, null, runId);
  }

  /**
   * Makes {@code version} (default: the previous champion) the champion again, without a gate: the
   * operator's way back when a promoted model misbehaves. One commit.
   */
  public AliasState rollback(String model, Integer version, String runId) {
    AliasState now = current(model);
    Integer target = version != null ? version : now.previousChampion();
    if (target == null) {
      throw new dev.lakeml.LakemlException(
          "Cannot roll back model " + model + ": no previous champion is recorded (champion is " + now.champion()
              + "). Name the version to restore with --model-version N.");
    }
    if (target.equals(now.champion())) {
      throw new dev.lakeml.LakemlException(
          "Cannot roll back model " + model + " to v" + target + ": it is already the champion. Name another version with --model-version N.");
    }
    return record(new AliasState(model, now.seq() + 1, target, now.challenger(), now.champion(), ROLLBACK), target, null, runId);
  }

  private static Integer integer(Row r, int i) {
    return r.isNullAt(i) ? null : r.getInt(i);
  }

  private static scala.collection.Seq<String> seq(List<String> list) {
    return scala.collection.JavaConverters.asScalaBuffer(list).toSeq();
  }
}
