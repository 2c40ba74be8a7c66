package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lakeml.TestSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.DeltaOperations;
import org.apache.spark.sql.delta.actions.Action;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/** {@link Lakehouse#versionWrittenBy}: from the newest commit files, and past them from the history. */
class VersionWrittenByTest {
  static final TableId T = TableId.of(Layer.OPS, "written_by_test");

  @Test
  void findsTheNewestVersionARunCommittedNearOrFarBack() {
    Lakehouse lh = TestSpark.freshLakehouse();
    assertEquals(-1, lh.versionWrittenBy(T, "a"), "no table: no version");
    var rows = lh.spark().sql("SELECT 1L AS id");
    lh.write(rows, T, Lakehouse.Write.append(), Map.of("run_id", "a"));
    lh.write(rows, T, Lakehouse.Write.append(), Map.of("run_id", "b"));
    lh.write(rows, T, Lakehouse.Write.append(), Map.of("run_id", "b", "source_version", 3));
    assertEquals(0, lh.versionWrittenBy(T, "a"));
    assertEquals(2, lh.versionWrittenBy(T, "b"), "a run's newest commit");
    assertEquals(-1, lh.versionWrittenBy(T, "zz"), "every commit read, none by that run");
    assertEquals(-1, lh.versionWrittenBy(T, "\"b\""), "the run id is compared whole, not searched in the text");

    // Past the commit files read first (3 here; Lakehouse.LOOKBACK in use), the history is searched.
    for (int i = 0; i < 4; i++) {
      emptyCommit(lh, i % 2 == 0 ? "{\"run_id\":\"c\"}" : "not lineage");
    }
    long latest = lh.latestVersion(T);
    assertEquals(latest - 1, lh.versionWrittenBy(T, "c", 3), "among the newest commits");
    assertEquals(0, lh.versionWrittenBy(T, "a", 3), "found past the newest commits");
    assertEquals(2, lh.versionWrittenBy(T, "b", 3));
    assertEquals(-1, lh.versionWrittenBy(T, "zz", 3));
    assertEquals(-1, lh.versionWrittenBy(T, "\"b\"", 3));
    assertEquals(2, lh.versionWrittenBy(T, "b"), "the same with every commit read first");
    assertEquals(List.of(1L), lh.read(T).distinct().as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
  }

  /** A commit with no action and {@code userMetadata}: what an up-to-date job's lineage commit is. */
  private static void emptyCommit(Lakehouse lh, String userMetadata) {
    String conf = "spark.databricks.delta.commitInfo.userMetadata";
    lh.spark().conf().set(conf, userMetadata);
    try {
      DeltaLog.forTable(lh.spark(), lh.path(T))
          .startTransaction()
          .commit(JavaConverters.asScalaBuffer(List.<Action>of()).toSeq(), DeltaOperations.ManualUpdate$.MODULE$);
    } finally {
      lh.spark().conf().unset(conf);
    }
  }
}
