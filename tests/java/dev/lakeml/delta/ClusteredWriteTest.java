package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.TestSpark;
import dev.lakeml.catalog.AnalystCatalog;
import dev.lakeml.catalog.AnalystFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@link Lakehouse.Write#clusteredBy}: each file holds a narrow range of the column, so a
 * {@code replaceWhere} on one day rewrites only the files holding that day.
 */
class ClusteredWriteTest {
  static final TableId T = TableId.of(Layer.GOLD, "clustered_test");
  static final ObjectMapper JSON = new ObjectMapper();

  /** 1,000 rows over 10 days, every day in both of the 2 tasks, in no date order. */
  static Dataset<Row> rows(Lakehouse lh) {
    return lh.spark().range(0, 1000, 1, 2).selectExpr("id", "date_add(DATE'2001-06-01', CAST((id * 7) % 10 AS INT)) AS event_date");
  }

  @Test
  void eachFileHoldsAFewDaysAndADaysReplaceRewritesOnlyItsFiles() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    lh.write(rows(lh), T, Lakehouse.Write.overwrite().clusteredBy("event_date", 100), Map.of("run_id", "a"));
    Map<String, LocalDate[]> files = liveFiles(lh);
    // Each task's 500 rows, sorted by day, cut every 100 rows: 5 files per task, 2 days in each.
    assertEquals(10, files.size(), "files of at most 100 rows");
    for (LocalDate[] span : files.values()) {
      assertTrue(!span[1].isAfter(span[0].plusDays(1)), "a file holds 2 adjacent days, not all 10: " + span[0] + ".." + span[1]);
    }

    long before = lh.latestVersion(T);
    String lastDay = "event_date = DATE'2001-06-10'";
    Dataset<Row> newDay = lh.spark().range(5000, 5100, 1, 2).selectExpr("id", "DATE'2001-06-10' AS event_date");
    long v = lh.write(newDay, T, Lakehouse.Write.replace(lastDay).clusteredBy("event_date", 100), Map.of("run_id", "b"));
    Lakehouse.FilesChanged changed = lh.filesTouched(T, before, v).orElseThrow();
    assertEquals(2, changed.removed().size(), "only the file of each task that holds 2001-06-10 is rewritten: " + changed.removed());
    assertEquals(1000, lh.read(T).count());
    assertEquals(100, lh.read(T).filter(lastDay).filter("id >= 5000").count(), "the day's rows are the new ones");

    // Unclustered, the same replace rewrites every file: each holds every day.
    TableId plain = TableId.of(Layer.GOLD, "unclustered_test");
    lh.write(rows(lh), plain, Lakehouse.Write.overwrite(), Map.of("run_id", "a"));
    long pv = lh.latestVersion(plain);
    long pv2 = lh.write(newDay, plain, Lakehouse.Write.replace(lastDay), Map.of("run_id", "b"));
    assertEquals(2, lh.filesTouched(plain, pv, pv2).orElseThrow().removed().size());
    assertEquals(2, lh.filesTouched(plain, -1, pv).orElseThrow().added().size(), "all rows were in those 2 files");
  }

  @Test
  void aTableCreatedWithItsDocsIsClusteredToo() throws Exception {
    Lakehouse lh = TestSpark.freshLakehouse();
    AnalystCatalog.publish(lh, AnalystFixtures.spec(), lh.registerAll()); // documenting session: CREATE TABLE AS SELECT
    try {
      long v = lh.write(rows(lh), T, Lakehouse.Write.overwrite().clusteredBy("event_date", 100), Map.of("run_id", "a"));
      assertEquals(0, v);
      assertEquals("CREATE TABLE AS SELECT", lh.history(T).first().getAs("operation"));
      Map<String, LocalDate[]> files = liveFiles(lh);
      assertEquals(10, files.size());
      files.values().forEach(span -> assertTrue(!span[1].isAfter(span[0].plusDays(1)), span[0] + ".." + span[1]));
    } finally {
      AnalystCatalog.forget(lh.spark());
    }
  }

  /** The live data files of {@link #T} and the event dates in each (min, max), from the log's file statistics. */
  private static Map<String, LocalDate[]> liveFiles(Lakehouse lh) throws Exception {
    Map<String, LocalDate[]> live = new LinkedHashMap<>();
    List<Path> commits = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of(lh.path(T).replaceFirst("^file:", ""), "_delta_log"))) {
      s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(commits::add);
    }
    for (Path commit : commits) {
      for (String line : Files.readAllLines(commit)) {
        JsonNode a = JSON.readTree(line);
        if (a.has("add")) {
          JsonNode stats = JSON.readTree(a.get("add").get("stats").asText());
          live.put(
              a.get("add").get("path").asText(),
              new LocalDate[] {LocalDate.parse(stats.get("minValues").get("event_date").asText()), LocalDate.parse(stats.get("maxValues").get("event_date").asText())});
        } else if (a.has("remove")) {
          live.remove(a.get("remove").get("path").asText());
        }
      }
    }
    return live;
  }
}
