package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.TableId;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code lineage.transport = file}, every Spark job of a lakeml command emits OpenLineage
 * START/COMPLETE events naming the Delta tables it read. The listener must be registered before the
 * SparkContext starts, so the command runs in its own JVM, as it would from the launcher.
 */
class LineageEventsTest {
  @Test
  void aQueryEmitsOpenLineageEventsWithItsInputTable(@TempDir Path dir) throws Exception {
    Lakehouse lakehouse = TestSpark.freshLakehouse();
    lakehouse.write(
        TestSpark.session().range(10).toDF("id"), TableId.parse("silver.tiny"), Lakehouse.Write.overwrite(), Map.of("run_id", "fixture"));
    Path events = dir.resolve("lineage.jsonl");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-XX:+Ignore") || a.startsWith("-Djdk.reflect")) {
        cmd.add(a);
      }
    }
    cmd.addAll(
        List.of(
            "-Xmx1g",
            "-Dlakeml.project.dir=" + TestSpark.projectDir(),
            "-Dlog4j2.configurationFile=" + TestSpark.projectDir().resolve("conf/log4j2.properties"),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.lakeml.cli.Lakeml",
            "sql",
            "SELECT count(*) AS n FROM silver.tiny",
            "--format",
            "csv",
            "--root",
            lakehouse.root(),
            "--env",
            "test",
            "--conf",
            "spark.master=local[1]",
            "--set",
            "lineage.transport=file",
            "--set",
            "lineage.location=" + events));
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("err.txt").toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "lakeml sql did not finish");
    String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out + Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
    assertTrue(out.contains("n\n10") || out.contains("n\r\n10"), out);
    assertTrue(Files.exists(events), "no lineage file written; output:\n" + out);
    String text = Files.readString(events, StandardCharsets.UTF_8);
    assertTrue(text.contains("\"eventType\":\"START\"") && text.contains("\"eventType\":\"COMPLETE\""), text);
    assertTrue(text.contains("\"namespace\":\"lakeml\""), "job namespace from lineage.namespace");
    assertTrue(text.contains("silver/tiny"), "the Delta table read is an input dataset:\n" + text.substring(0, Math.min(3000, text.length())));
  }
}
