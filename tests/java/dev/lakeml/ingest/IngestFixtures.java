package dev.lakeml.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.jobs.IngestJob;
import dev.lakeml.jobs.JobContext;
import dev.lakeml.jobs.StageResult;
import dev.lakeml.delta.Lakehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Specs, contexts and expected records for ingest tests over the bundled flights pulls. */
final class IngestFixtures {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private IngestFixtures() {}

  static Path pullsDir() {
    return TestSpark.projectDir().resolve("data/flights/pulls");
  }

  /**
   * Writes {@code <dir>/jobs/<name>.conf}: the flights pipeline pulled over HTTP from {@code base}
   * for days {@code from}..{@code to}, with fast retries; {@code extraHttp} goes into the http block.
   */
  static Path writeHttpSpec(Path dir, String name, URI base, LocalDate from, LocalDate to, String extraHttp) {
    String conf =
        "include file(\"" + TestSpark.projectDir().resolve("jobs/flights.conf") + "\")\n"
            + "source = null\n"
            + "source {\n  name = bts_ontime\n  type = http\n  records-field = records\n  id-field = id\n"
            + "  http {\n    base_url = \"" + base + "\"\n    path = \"/v1/flights\"\n"
            + "    window { param = date, from = \"" + from + "\", to = \"" + to + "\" }\n"
            + "    pagination { mode = page_number, total_pages_field = total_pages }\n"
            + "    page_size { param = page_size, value = 50 }\n"
            + "    request.timeout = 1s\n"
            + "    retry { max_retries = 3, backoff_base = 10ms, backoff_max = 50ms, retry_after_max = 1s }\n"
            + extraHttp + "\n  }\n}\n";
    try {
      Files.createDirectories(dir.resolve("jobs"));
      Files.writeString(dir.resolve("jobs").resolve(name + ".conf"), conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  static JobContext context(Lakehouse lakehouse, PipelineSpec spec, Map<String, String> options, ByteArrayOutputStream out) {
    return new JobContext(
        TestSpark.settings(lakehouse.root()), spec, lakehouse, "test-" + System.nanoTime(), options,
        new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  static StageResult ingest(Lakehouse lakehouse, PipelineSpec spec) {
    return new IngestJob().run(context(lakehouse, spec, Map.of(), new ByteArrayOutputStream()));
  }

  /** Record ids of one page file of the bundled pulls. */
  static List<Long> ids(Path pageFile) {
    try {
      List<Long> ids = new ArrayList<>();
      for (JsonNode r : MAPPER.readTree(pageFile.toFile()).get("records")) {
        ids.add(r.get("id").asLong());
      }
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Long> ids(LocalDate day, int page) {
    return ids(pullsDir().resolve(day.toString()).resolve(String.format("page-%04d.json", page)));
  }

  /** Every record id of the bundled pulls for days {@code from}..{@code to}, by id with count 1. */
  static Map<Long, Long> sourceIds(LocalDate from, LocalDate to) {
    Map<Long, Long> ids = new TreeMap<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      try (Stream<Path> pages = Files.list(pullsDir().resolve(d.toString()))) {
        pages.sorted().forEach(p -> ids(p).forEach(id -> ids.merge(id, 1L, Long::sum)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ids;
  }
}
