package dev.lakeml.ml;

import static org.apache.spark.sql.functions.col;

import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import dev.lakeml.quality.QualityLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Whether the data a model was trained on passed its quality checks. Follows the lineage recorded in
 * each commit's userMetadata ({@code source_table}, {@code source_version}) from the training table
 * version down to its sources, and looks up the {@code ops.quality_results} rows of every hop: the
 * verdicts recorded for that table when it was built from that source version.
 */
public final class TrainingDataQuality {
  private static final int MAX_HOPS = 5;

  /** {@code checked}: one line per hop; {@code failures}: every failed error-level check. */
  public record Verdict(boolean passed, List<String> checked, List<String> failures) {}

  private TrainingDataQuality() {}

  public static Verdict of(Lakehouse lakehouse, String table, long version) {
    List<String> checked = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    if (!lakehouse.exists(QualityLedger.TABLE)) {
      return new Verdict(false, checked, List.of("no quality results recorded (" + QualityLedger.TABLE + " does not exist)"));
    }
    List<Row> results = new ArrayList<>();
    String t = table;
    long v = version;
    int checks = 0;
    for (int hop = 0; hop < MAX_HOPS && t != null; hop++) {
      TableId id = TableId.parse(t);
      if (!lakehouse.exists(id)) {
        break;
      }
      Map<String, Object> info = lakehouse.lineageAtOrBefore(id, v); // v may be a catalog docs commit
      Object sourceVersion = info.get("source_version");
      if (!(sourceVersion instanceof Number sv)) {
        break;
      }
      if (results.isEmpty()) { // one scan of the ledger for every hop's table
        results =
            lakehouse.read(QualityLedger.TABLE)
                .filter(col("rule").notEqual(QualityLedger.METRIC)) // measurement rows carry no verdict
                .select("table_name", "source_version", "check_name", "action", "passed", "message")
                .collectAsList();
      }
      int n = 0;
      for (Row r : results) {
        if (t.equals(r.getString(0)) && !r.isNullAt(1) && r.getLong(1) == sv.longValue()) {
          n++;
          if (!r.isNullAt(4) && !r.getBoolean(4) && "fail".equals(r.getString(3))) {
            failures.add(t + " (from source v" + sv + "): " + r.getString(2) + ": " + r.getString(5));
          }
        }
      }
      checks += n;
      checked.add(t + " v" + v + " (built from source v" + sv + "): " + n + " check results");
      Object source = info.get("source_table");
      t = source instanceof String s && s.matches("[a-z]+\\.[a-z_][a-z0-9_]*") ? s : null;
      v = sv.longValue();
    }
    if (checks == 0 && failures.isEmpty()) {
      failures.add("no quality results recorded for " + table + " v" + version + " or its sources");
    }
    return new Verdict(failures.isEmpty(), List.copyOf(checked), List.copyOf(failures));
  }
}
