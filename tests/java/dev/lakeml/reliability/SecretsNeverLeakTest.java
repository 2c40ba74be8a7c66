package dev.lakeml.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import dev.lakeml.ingest.http.ReplayApiServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole pipeline run pulled over HTTP with a bearer token, with S3 keys in the environment and in
 * the Spark settings, Spark's event log on and {@code --verbose}; then a run whose token the API
 * rejects. Every output is searched for the secret values: stdout and stderr, every file under the
 * lakehouse root (Delta logs, landing manifests, checkpoints, the run report), every row of every
 * table (ops.runs included) and the event log. The printed settings must show the keys masked.
 */
@Tag("system")
class SecretsNeverLeakTest {
  static final String TOKEN_ENV = "LAKEML_TEST_API_TOKEN";

  @TempDir Path tmp;

  @Test
  void noSecretInAnyOutputOfARunOrOfAFailedRun() throws Exception {
    String token = "tok-" + UUID.randomUUID();
    String accessKey = "AKIA" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase();
    String secretKey = "sk-" + UUID.randomUUID();
    List<String> secrets = List.of(token, accessKey, secretKey);
    Path project = tmp.resolve("project");
    Path events = Files.createDirectories(tmp.resolve("events"));
    Path root = tmp.resolve("lakehouse");
    Path logs = tmp.resolve("logs");
    Map<String, String> env = Map.of(TOKEN_ENV, token, "AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey);
    List<String> settings =
        List.of(
            "--conf", "spark.hadoop.fs.s3a.access.key=" + accessKey,
            "--conf", "spark.hadoop.fs.s3a.secret.key=" + secretKey,
            "--conf", "spark.eventLog.enabled=true",
            "--conf", "spark.eventLog.dir=" + events.toUri());
    List<ChildLakeml> runs = new ArrayList<>();
    try (ReplayApiServer server = ReplayApiServer.builder(pulls(project)).bearerToken(token).build().start();
        ReplayApiServer wrongToken = ReplayApiServer.builder(pulls(project)).bearerToken("another-token").build().start()) {
      Files.writeString(project.resolve("jobs/secrets.conf"), spec(server.baseUri().toString()));
      Files.writeString(project.resolve("jobs/rejected.conf"), spec(wrongToken.baseUri().toString()));

      ChildLakeml run = ChildLakeml.start(project, logs, env, args("run", "secrets", root, settings, "--verbose"));
      runs.add(run);
      assertEquals(0, run.await(1800), run.output());
      assertTrue(server.requestCount() > 0, "the pull used the API");
      assertTrue(run.output().contains("lakeml: setting spark.hadoop.fs.s3a.secret.key = ****"), "printed settings mask the key:\n" + run.output());
      assertTrue(run.output().contains("lakeml: setting spark.hadoop.fs.s3a.access.key = ****"), run.output());

      ChildLakeml rejected = ChildLakeml.start(project, logs, env, args("ingest", "rejected", tmp.resolve("rejected-root"), settings, "--verbose"));
      runs.add(rejected);
      assertNotEquals(0, rejected.await(300), "a pull whose token is refused fails:\n" + rejected.output());
      assertTrue(rejected.output().contains("401"), "the failure says why:\n" + rejected.output());
    }

    Map<String, String> leaks = new LinkedHashMap<>();
    for (ChildLakeml r : runs) {
      find(secrets, "output of " + r.log.getFileName(), r.output(), leaks);
    }
    int files = 0;
    for (Path dir : List.of(root, tmp.resolve("rejected-root"), events)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path f : all.filter(Files::isRegularFile).toList()) {
          files++;
          find(secrets, dir.relativize(f).toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1), leaks);
        }
      }
    }
    try (Stream<Path> e = Files.list(events)) {
      String eventLog = Files.readString(e.findFirst().orElseThrow(), StandardCharsets.UTF_8);
      assertTrue(eventLog.contains("\"spark.hadoop.fs.s3a.secret.key\":\"*********(redacted)\""), "the event log holds the setting, redacted");
    }
    SparkSession spark = TestSpark.session();
    long rows = 0;
    for (String table : CrashSafetyTest.tables(root.toString())) {
      for (String json : spark.read().format("delta").load(root + "/" + table).toJSON().collectAsList()) {
        rows++;
        find(secrets, "a row of " + table, json, leaks);
      }
    }
    assertTrue(rows > 1000 && files > 100, "searched " + rows + " rows and " + files + " files");
    assertTrue(leaks.isEmpty(), "secrets found in: " + leaks);
    System.out.printf("secrets: %d secrets searched in %d process outputs, %d files, %d table rows: none found%n", secrets.size(), runs.size(), files, rows);
  }

  /** The project folder (conf/ and a base spec), and the bundled pulls the replay API serves (all pages: page 1 names the others). */
  private static Path pulls(Path project) throws IOException {
    if (!Files.isDirectory(project.resolve("conf"))) {
      ChildLakeml.project(project, "flights-base", "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\n", 1);
    }
    return TestSpark.projectDir().resolve("data/flights/pulls");
  }

  private static String[] args(String command, String pipeline, Path root, List<String> settings, String... more) {
    List<String> a = new ArrayList<>(List.of(command, "--pipeline", pipeline, "--root", root.toString()));
    a.addAll(settings);
    a.addAll(List.of(more));
    return a.toArray(new String[0]);
  }

  private static String spec(String baseUrl) {
    return "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\n"
        + "source = null\n"
        + "source {\n  name = bts_ontime\n  type = http\n  records-field = records\n  id-field = id\n"
        + "  http {\n    base_url = \"" + baseUrl + "\"\n    path = \"/v1/flights\"\n"
        + "    window { param = date, from = \"2001-01-01\", to = \"2001-07-01\" }\n"
        + "    pagination { mode = page_number, total_pages_field = total_pages }\n"
        + "    page_size { param = page_size, value = 50 }\n"
        + "    auth { header = Authorization, scheme = Bearer, token_env = " + TOKEN_ENV + " }\n"
        + "    retry { max_retries = 1, backoff_base = 10ms, backoff_max = 50ms, retry_after_max = 1s }\n"
        + "  }\n}\n";
  }

  private static void find(List<String> secrets, String where, String text, Map<String, String> leaks) {
    for (String s : secrets) {
      if (text.contains(s)) {
        int i = text.indexOf(s);
        leaks.put(where, text.substring(Math.max(0, i - 80), Math.min(text.length(), i + s.length() + 20)));
      }
    }
  }
}
