package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** {@link Lakehouse#upsertOrDelete}: a MERGE by key that keeps or deletes, and commits nothing when no change applies. */
class UpsertOrDeleteTest {
  static final TableId T = TableId.of(Layer.SILVER, "upsert_or_delete_test");
  static final String ON = "t.id = s.id";

  static Dataset<Row> changes(Lakehouse lh, String... rows) {
    return lh.spark().sql("SELECT * FROM VALUES " + String.join(", ", rows) + " AS c(id, name, _valid)");
  }

  static List<String> rows(Lakehouse lh) {
    return lh.read(T).selectExpr("concat(id, ':', name)").orderBy("id").as(Encoders.STRING()).collectAsList();
  }

  /** The descriptions of the Spark jobs of Delta's MERGE that {@code action} started. */
  static List<String> mergeJobs(Lakehouse lh, Runnable action) {
    org.apache.spark.SparkContext sc = lh.spark().sparkContext();
    List<String> jobs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    org.apache.spark.scheduler.SparkListener listener =
        new org.apache.spark.scheduler.SparkListener() {
          @Override
          public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
            String description = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
            if (description != null && description.contains("MERGE operation")) {
              jobs.add(description);
            }
          }
        };
    sc.addSparkListener(listener);
    try {
      action.run();
      sc.listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("Spark's listener bus did not deliver the jobs' events", e);
    } finally {
      sc.removeSparkListener(listener);
    }
    return List.copyOf(jobs);
  }

  @Test
  void changesThatApplyAreMergedAndNoneThatApplyCommitsNothing() {
    Lakehouse lh = TestSpark.freshLakehouse();
    long v0 = lh.write(changes(lh, "(1L, 'a', true)", "(2L, 'b', true)").drop("_valid"), T, Lakehouse.Write.overwrite(), Map.of("run_id", "create"));

    // Only deletes of keys the table does not hold: nothing to do, no MERGE run, no version.
    long[] noop = new long[2];
    List<String> jobs =
        mergeJobs(
            lh,
            () -> {
              noop[0] = lh.upsertOrDelete(changes(lh, "(3L, 'c', false)", "(4L, 'd', false)"), T, ON, "_valid", Map.of("run_id", "noop"));
              noop[1] = lh.upsertOrDelete(changes(lh, "(3L, 'c', false)").limit(0), T, ON, "_valid", Map.of("run_id", "empty"));
            });
    assertEquals(List.of(v0, v0), List.of(noop[0], noop[1]));
    assertEquals(List.of(), jobs, "Delta's MERGE would run its jobs to find that nothing changes");
    assertEquals(1, lh.history(T).count(), "no MERGE committed");

    // A delete of a held key applies: one MERGE; the unheld delete beside it changes nothing.
    long[] deleted = new long[1];
    assertTrue(!mergeJobs(lh, () -> deleted[0] = lh.upsertOrDelete(changes(lh, "(2L, 'b', false)", "(5L, 'e', false)"), T, ON, "_valid", Map.of("run_id", "delete"))).isEmpty());
    long v1 = deleted[0];
    assertEquals(v0 + 1, v1);
    assertEquals(List.of("1:a"), rows(lh));

    // A kept change applies whether it updates or inserts.
    long v2 = lh.upsertOrDelete(changes(lh, "(1L, 'A', true)", "(6L, 'f', true)"), T, ON, "_valid", Map.of("run_id", "upsert"));
    assertEquals(v1 + 1, v2);
    assertEquals(List.of("1:A", "6:f"), rows(lh));
    assertEquals("upsert", lh.lastCommitInfo(T, "run_id").orElseThrow().get("run_id"));
  }
}
