package dev.lakeml.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import dev.lakeml.TestSpark;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.ingest.http.PaginationMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source section of pipeline specs: files and http, and errors that name the key. No Spark. */
class IngestSpecTest {
  @TempDir Path tmp;

  @Test
  void flightsHttpReplacesTheSourceAndKeepsTheRest() {
    PipelineSpec files = PipelineSpec.load(TestSpark.projectDir(), "flights");
    PipelineSpec http = PipelineSpec.load(TestSpark.projectDir(), "flights-http");
    assertEquals(PipelineSpec.SourceType.FILES, files.source().type());
    assertNull(files.source().http());
    PipelineSpec.Source s = http.source();
    assertEquals(PipelineSpec.SourceType.HTTP, s.type());
    assertNull(s.path(), "flights.conf's pulls folder is not merged into the http source");
    assertEquals(LocalDate.of(2001, 1, 1), s.http().from());
    assertEquals(LocalDate.of(2001, 7, 1), s.http().to());
    assertEquals(PaginationMode.PAGE_NUMBER, s.http().spec().pagination().mode());
    assertEquals("LAKEML_FLIGHTS_API_TOKEN", s.http().spec().authTokenEnv());
    assertEquals(Duration.ofSeconds(30), s.http().spec().requestTimeout());
    assertEquals("records", s.http().spec().recordsField());
    assertEquals(files.silver(), http.silver());
    assertEquals(files.bronzeTable(), http.bronzeTable());
  }

  @Test
  void openEndedWindowEndsYesterday() throws IOException {
    PipelineSpec spec = load("source.http.window = null\nsource.http.window { param = date, from = \"2026-01-01\" }");
    assertEquals(LocalDate.of(2026, 3, 9), spec.source().http().lastWindow(LocalDate.of(2026, 3, 10)));
  }

  @Test
  void errorsNameTheKeyAndTheFile() throws IOException {
    assertMessage("source.http.pagination.moed = cursor", "pagination.moed", "jobs/bad.conf");
    assertMessage("source.http.window.from = \"yesterday\"", "source.http.window.from", "yyyy-MM-dd");
    assertMessage("source.http.window.to = \"2000-01-01\"", "source.http.window.to", "must not be before");
    assertMessage("source.http.records_field = items", "source.http.records_field", "source.records-field");
    assertMessage("source.http.auth { header = Authorization, token_env = \"s3cr3t-t0ken!\" }", "auth.token_env", "not shown");
    assertMessage("source.type = ftp", "source.type", "files, http");
    assertMessage("source { type = files, path = x }", "source.http", "only when source.type = http");
  }

  @Test
  void aTokenPastedAsTheVariableNameIsNotEchoed() throws IOException {
    LakemlException e = assertThrows(LakemlException.class,
        () -> load("source.http.auth { header = Authorization, token_env = \"s3cr3t-t0ken!\" }"));
    assertTrue(!e.getMessage().contains("s3cr3t-t0ken!"), e.getMessage());
  }

  private void assertMessage(String override, String key, String hint) throws IOException {
    LakemlException e = assertThrows(LakemlException.class, () -> load(override));
    assertTrue(e.getMessage().contains(key) && e.getMessage().contains(hint), e.getMessage());
    assertEquals(2, e.exitCode());
  }

  private PipelineSpec load(String override) throws IOException {
    Files.createDirectories(tmp.resolve("jobs"));
    Files.writeString(tmp.resolve("jobs/bad.conf"),
        "include file(\"" + TestSpark.projectDir().resolve("jobs/flights-http.conf") + "\")\n" + override + "\n");
    return PipelineSpec.load(tmp, "bad");
  }
}
