package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
  @TempDir Path dir;

  @Test
  void reportHoldsTheRunsDataAndInlinedPlotly() throws Exception {
    Path file = dir.resolve("reports/flights/run.html");

    Path written = RunReport.write(SampleRuns.flights(), file);

    assertEquals(file, written);
    String html = Files.readString(file);
    for (String expected :
        List.of(
            "run-20250314-0600",
            "3 min 42.5 s", // run duration
            "refine",
            "19.5 s",
            "silver.flights v8",
            "3,000,000",
            "distance_positive",
            "3% of rows have distance &lt;= 0",
            "1 failed</span> (0 error-level, 1 warning-level)",
            "flights-gbt-7",
            "0.8123",
            "log_loss",
            "carrier",
            "alarm 0.25", // PSI alarm line
            "warn 0.10",
            "silver.flights rows", // history series
            "plotly.js v", // the bundle's own banner
            "Plotly.newPlot")) {
      assertTrue(html.contains(expected), () -> "report lacks " + expected);
    }
    assertTrue(Files.size(file) > 1_000_000, "plotly.js not inlined");
    assertEquals(2, count(html, "(?i)<script"), "inline plotly and the chart script, nothing else");
    assertFalse(Pattern.compile("(?i)<script[^>]*\\bsrc\\s*=").matcher(html).find());
    // Outside the bundle (whose map-tile code paths name URLs it never reaches here, and the
    // Content-Security-Policy would block), the page names no remote address at all.
    int bundleStart = html.indexOf("<script>");
    int bundleEnd = html.indexOf("</script>", bundleStart);
    String page = html.substring(0, bundleStart) + html.substring(bundleEnd);
    assertFalse(page.contains("http://") || page.contains("https://"), "remote address in page");
    assertFalse(Pattern.compile("(?i)<link\\b").matcher(html).find());
    assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
  }

  @Test
  void failuresComeFirstInTheQualityTable() throws Exception {
    String html = Files.readString(RunReport.write(SampleRuns.flights(), dir.resolve("r.html")));

    int failed = html.indexOf("<tr class=\"fail-warn\">");
    int passed = html.indexOf("<tr class=\"pass\">");
    assertTrue(failed > 0 && passed > failed, "failed check not listed first");
    assertEquals(3, count(html, "<tr class=\"pass\">"));
  }

  @Test
  void namesFromTheRunAreEscaped() throws Exception {
    RunSummary hostile = RunReportScreenshotTest.withHostileNames(SampleRuns.flights());

    String html = Files.readString(RunReport.write(hostile, dir.resolve("hostile.html")));

    assertEquals(2, count(html, "(?i)<script"), "a name opened a script element");
    assertEquals(0, count(html, "(?i)<img"), "a name became an element");
    assertEquals(2, count(html, "(?i)</script"), "a name closed a script element");
    assertTrue(html.contains("run-20250314-0600&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;"));
    assertTrue(html.contains("Model</dt><dd><code>v&lt;b&gt;1&lt;/b&gt;</code>"));
    // In chart data, names are JSON with <, > and & as \\u escapes.
    assertTrue(html.contains("\\u0026lt;img src=x onerror="));
  }

  @Test
  void emptyRunGetsPlaceholdersAndAFailedRunItsError() throws Exception {
    RunSummary run =
        RunSummary.builder("r-empty", "flights", "ingest")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START.plusSeconds(4000))
            .failed("Cannot read source https://example.invalid/flights: 503")
            .build();

    String html = Files.readString(RunReport.write(run, dir.resolve("empty.html")));

    for (String expected :
        List.of(
            "No stages recorded.",
            "No tables written.",
            "No data quality checks recorded.",
            "No model trained or evaluated in this run.",
            "No drift measured in this run.",
            "No history recorded.",
            "1 h 06 min",
            "<div class=\"error\"><strong>Error</strong><pre>Cannot read source",
            "var charts = [];")) {
      assertTrue(html.contains(expected), () -> "report lacks " + expected);
    }
  }

  @Test
  void rewritingReplacesTheReportAndLeavesNoTemporaryFiles() throws Exception {
    Path file = dir.resolve("run.html");
    RunReport.write(SampleRuns.flights(), file);
    RunSummary other =
        RunSummary.builder("second-run", "flights", "run")
            .startedAt(SampleRuns.START)
            .endedAt(SampleRuns.START)
            .build();

    RunReport.write(other, file);

    assertTrue(Files.readString(file).contains("second-run"));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void inlinedScriptCannotEndTheScriptElement() {
    assertEquals(
        "a = '<\\/script>'; b = /<\\/SCRIPT/; c = '<\\!--';",
        PlotlyBundle.inlineSafe("a = '</script>'; b = /</SCRIPT/; c = '<!--';"));
  }

  @Test
  void scriptJsonEscapesMarkupAndDropsNonFiniteNumbers() {
    java.util.Map<String, Object> value = new java.util.LinkedHashMap<>();
    value.put("name", "</script> & \"q\" \u2028");
    value.put("v", List.of(1.5, Double.NaN, Double.POSITIVE_INFINITY, 3));

    assertEquals(
        "{\"name\":\"\\u003c/script\\u003e \\u0026 \\\"q\\\" \\u2028\",\"v\":[1.5,null,null,3]}",
        ScriptJson.write(value));
  }

  private static int count(String text, String regex) {
    return (int) Pattern.compile(regex).matcher(text).results().count();
  }
}
