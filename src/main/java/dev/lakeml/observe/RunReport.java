package dev.lakeml.observe;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Writes a run's report: one self-contained HTML file that opens offline in any browser.
 *
 * <p>The report shows the run's status and duration; its stages as a table and a timeline; rows per
 * table written; the data quality results, failures first; the model's metrics; drift per feature
 * (for PSI with the conventional warn 0.10 and alarm 0.25 lines); and a line chart per history
 * series. Charts are drawn by Plotly, whose bundle is inlined (about 11 MB, so each report is about
 * that size). The page makes no network request: a Content-Security-Policy forbids any, and every
 * text from the run is escaped.
 */
public final class RunReport {
  // Conventional population stability index bands: below 0.10 stable, above 0.25 shifted.
  private static final double PSI_WARN = 0.10;
  private static final double PSI_ALARM = 0.25;

  private static final String GREEN = "#2e7d32";
  private static final String ORANGE = "#ef6c00";
  private static final String RED = "#c62828";
  private static final String GREY = "#757575";
  private static final String BLUE = "#1565c0";
  private static final String PURPLE = "#6a1b9a";
  private static final String TEAL = "#00838f";
  private static final int MAX_LABEL = 32;
  private static final String FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final RunSummary run;
  private final StringBuilder body = new StringBuilder();
  private final List<Map<String, Object>> charts = new ArrayList<>();

  private RunReport(RunSummary run) {
    this.run = run;
  }

  /**
   * Writes the report of {@code run} to {@code file}, replacing any file there. The file appears
   * whole or not at all: it is written next to its destination and then moved in place. Missing
   * parent directories are created.
   *
   * @return {@code file}
   * @throws IOException if the file cannot be written
   */
  public static Path write(RunSummary run, Path file) throws IOException {
    PlotlyBundle plotly = PlotlyBundle.load();
    RunReport report = new RunReport(run);
    report.render();

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // Not Files.createTempFile: its owner-only permissions would stay on the report.
    Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (Writer out =
          Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW)) {
        report.writeTo(out, plotly);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return file;
  }

  private void writeTo(Writer out, PlotlyBundle plotly) throws IOException {
    out.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // No request leaves the page: scripts and styles are inline, images only data: or blob:.
    out.write(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
            + "font-src data:\">\n");
    out.write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.write(
        "<title>"
            + esc(
                run.pipeline()
                    + " run "
                    + run.runId()
                    + " "
                    + run.status().name().toLowerCase(Locale.ROOT))
            + "</title>\n");
    out.write("<style>\n" + CSS + "</style>\n");
    out.write("<!-- plotly.js " + esc(plotly.version()) + ", MIT license, inlined -->\n<script>\n");
    out.write(plotly.script());
    out.write("\n</script>\n</head>\n<body>\n");
    out.write(body.toString());
    out.write("<script>\n");
    out.write(chartsScript());
    out.write("</script>\n</body>\n</html>\n");
  }

  private void render() {
    header();
    body.append("<main>\n");
    stages();
    tables();
    quality();
    model();
    drift();
    history();
    body.append("</main>\n<footer>lakeml run report &middot; pipeline ")
        .append(esc(run.pipeline()))
        .append(" &middot; run ")
        .append(esc(run.runId()))
        .append("</footer>\n");
  }

  private void header() {
    String status = run.status().name();
    body.append("<header>\n<h1>")
        .append(esc(run.pipeline()))
        .append(" &middot; run <code>")
        .append(esc(run.runId()))
        .append("</code> ")
        .append(badge(status, run.succeeded() ? GREEN : RED))
        .append("</h1>\n<dl class=\"facts\">\n");
    fact("Pipeline", esc(run.pipeline()));
    fact("Command", "<code>" + esc(run.command()) + "</code>");
    fact("Status", esc(status));
    fact("Started", esc(TIME.format(run.startedAt())));
    fact("Ended", esc(TIME.format(run.endedAt())));
    fact("Duration", esc(duration(run.duration())));
    fact("Stages", String.valueOf(run.stages().size()));
    if (run.modelVersion() != null) {
      fact("Model", "<code>" + esc(run.modelVersion()) + "</code>");
    }
    body.append("</dl>\n");
    if (run.errorSummary() != null && !run.errorSummary().isBlank()) {
      body.append("<div class=\"error\"><strong>Error</strong><pre>")
          .append(esc(run.errorSummary()))
          .append("</pre></div>\n");
    }
    body.append("<nav>")
        .append("<a href=\"#stages\">Stages</a> <a href=\"#tables\">Tables</a> ")
        .append("<a href=\"#quality\">Data quality</a> <a href=\"#model\">Model</a> ")
        .append("<a href=\"#drift\">Drift</a> <a href=\"#history\">History</a>")
        .append("</nav>\n</header>\n");
  }

  private void fact(String name, String html) {
    body.append("<div><dt>").append(name).append("</dt><dd>").append(html).append("</dd></div>\n");
  }

  private void stages() {
    section("stages", "Stages");
    if (run.stages().isEmpty()) {
      empty("No stages recorded.");
      endSection();
      return;
    }
    List<String> names = new ArrayList<>();
    List<Object> durations = new ArrayList<>();
    List<Object> offsets = new ArrayList<>();
    List<Object> colors = new ArrayList<>();
    List<Object> labels = new ArrayList<>();
    List<Object> hover = new ArrayList<>();
    for (StageResult stage : run.stages()) {
      names.add(stage.name());
      durations.add(seconds(stage.duration()));
      offsets.add(seconds(Duration.between(run.startedAt(), stage.startedAt())));
      colors.add(stageColor(stage.status()));
      labels.add(duration(stage.duration()));
      hover.add(
          plotText(stage.name() + " (" + stage.status().name().toLowerCase(Locale.ROOT) + ")")
              + "<br>started "
              + TIME.format(stage.startedAt())
              + "<br>ran "
              + duration(stage.duration()));
    }
    Map<String, Object> bars =
        obj()
            .with("type", "bar")
            .with("orientation", "h")
            .with("y", categories(names))
            .with("x", durations)
            .with("base", offsets)
            .with("text", labels)
            .with("textposition", "auto")
            .with("hovertext", hover)
            .with("hoverinfo", "text")
            .with("marker", obj().with("color", colors));
    int height = Math.max(180, 70 + 34 * run.stages().size());
    chart(
        "chart-stages",
        height,
        List.of(bars),
        layout(height)
            .with("xaxis", axis("seconds since the run started").with("zeroline", false))
            .with("yaxis", obj().with("autorange", "reversed").with("automargin", true))
            .with("bargap", 0.35));

    body.append("<table>\n<thead><tr><th>Stage</th><th>Status</th><th>Started</th>")
        .append("<th class=\"num\">Duration</th><th class=\"num\">Rows in</th>")
        .append("<th class=\"num\">Rows out</th><th>Tables written</th></tr></thead>\n<tbody>\n");
    for (StageResult stage : run.stages()) {
      List<String> written = new ArrayList<>();
      for (TableVersion t : stage.tablesWritten()) {
        written.add(esc(t.name()) + " v" + t.version());
      }
      body.append("<tr><td>")
          .append(esc(stage.name()))
          .append("</td><td>")
          .append(badge(stage.status().name(), stageColor(stage.status())))
          .append("</td><td class=\"time\">")
          .append(esc(TIME.format(stage.startedAt())))
          .append("</td><td class=\"num\">")
          .append(esc(duration(stage.duration())))
          .append("</td><td class=\"num\">")
          .append(count(stage.rowsIn()))
          .append("</td><td class=\"num\">")
          .append(count(stage.rowsOut()))
          .append("</td><td>")
          .append(String.join(", ", written))
          .append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n");
    endSection();
  }

  private void tables() {
    section("tables", "Rows per table written");
    List<StageResult> writers = new ArrayList<>();
    List<TableVersion> written = new ArrayList<>();
    for (StageResult stage : run.stages()) {
      for (TableVersion t : stage.tablesWritten()) {
        writers.add(stage);
        written.add(t);
      }
    }
    if (written.isEmpty()) {
      empty("No tables written.");
      endSection();
      return;
    }
    List<String> x = new ArrayList<>();
    List<Object> full = new ArrayList<>();
    List<Object> y = new ArrayList<>();
    List<Object> text = new ArrayList<>();
    for (TableVersion t : written) {
      x.add(t.name() + " v" + t.version());
      full.add(plotText(t.name() + " v" + t.version()));
      y.add(t.rows());
      text.add(count(t.rows()));
    }
    chart(
        "chart-tables",
        320,
        List.of(
            obj()
                .with("type", "bar")
                .with("x", categories(x))
                .with("y", y)
                .with("text", text)
                .with("customdata", full)
                .with("textposition", "outside")
                .with("cliponaxis", false)
                .with("hovertemplate", "%{customdata}: %{text} rows<extra></extra>")
                .with("marker", obj().with("color", BLUE))),
        layout(320)
            .with("yaxis", axis("rows").with("rangemode", "tozero"))
            .with("xaxis", obj().with("automargin", true)));

    body.append("<table>\n<thead><tr><th>Table</th><th class=\"num\">Version</th>")
        .append("<th class=\"num\">Rows</th><th>Written by</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < written.size(); i++) {
      TableVersion t = written.get(i);
      body.append("<tr><td>")
          .append(esc(t.name()))
          .append("</td><td class=\"num\">")
          .append(t.version())
          .append("</td><td class=\"num\">")
          .append(count(t.rows()))
          .append("</td><td>")
          .append(esc(writers.get(i).name()))
          .append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n");
    endSection();
  }

  private void quality() {
    section("quality", "Data quality");
    List<QualityResult> results = run.qualityResults();
    if (results.isEmpty() && run.quarantine().isEmpty() && run.qualityHistory().isEmpty()) {
      empty("No data quality checks recorded.");
      endSection();
      return;
    }
    if (results.isEmpty()) {
      empty("No data quality checks ran in this run.");
    } else {
      qualityCounts(results);
      qualityTables(results);
    }
    quarantine();
    qualityHistory();
    if (!results.isEmpty()) {
      qualityDetails(results);
    }
    endSection();
  }

  private void qualityCounts(List<QualityResult> results) {
    long failed = results.stream().filter(QualityResult::failed).count();
    long failedErrors =
        results.stream().filter(r -> r.failed() && r.level() == QualityResult.Level.ERROR).count();
    long tablesChecked = results.stream().map(QualityResult::table).distinct().count();
    body.append("<p class=\"counts\"><strong>")
        .append(results.size())
        .append(results.size() == 1 ? " check" : " checks")
        .append("</strong> on ")
        .append(tablesChecked)
        .append(tablesChecked == 1 ? " table: " : " tables: ")
        .append("<span class=\"pass-count\">")
        .append(results.size() - failed)
        .append(" passed</span>, <span class=\"")
        .append(failed == 0 ? "pass-count" : "fail-count")
        .append("\">")
        .append(failed)
        .append(" failed</span>");
    if (failed > 0) {
      body.append(" (")
          .append(failedErrors)
          .append(" error-level, ")
          .append(failed - failedErrors)
          .append(" warning-level)");
    }
    body.append("</p>\n");
  }

  /** Pass / fail per table: failed when an error-level check broke, else warnings, else passed. */
  private void qualityTables(List<QualityResult> results) {
    Map<String, List<QualityResult>> byTable = new LinkedHashMap<>();
    results.forEach(r -> byTable.computeIfAbsent(r.table(), t -> new ArrayList<>()).add(r));
    body.append("<h3>Tables</h3>\n<table class=\"narrow quality-tables\">\n<thead><tr><th>Table</th>")
        .append("<th>Verdict</th><th class=\"num\">Checks</th><th class=\"num\">Failed (error)</th>")
        .append("<th class=\"num\">Failed (warn)</th></tr></thead>\n<tbody>\n");
    for (Map.Entry<String, List<QualityResult>> e : byTable.entrySet()) {
      long errors = e.getValue().stream().filter(r -> r.failed() && r.level() == QualityResult.Level.ERROR).count();
      long warns = e.getValue().stream().filter(r -> r.failed() && r.level() == QualityResult.Level.WARN).count();
      String verdict = errors > 0 ? "failed" : warns > 0 ? "passed with warnings" : "passed";
      String color = errors > 0 ? RED : warns > 0 ? ORANGE : GREEN;
      body.append("<tr data-table=\"")
          .append(esc(e.getKey()))
          .append("\" data-verdict=\"")
          .append(verdict)
          .append("\"><td>")
          .append(esc(e.getKey()))
          .append("</td><td>")
          .append(badge(verdict, color))
          .append("</td><td class=\"num\">")
          .append(e.getValue().size())
          .append("</td><td class=\"num\">")
          .append(errors)
          .append("</td><td class=\"num\">")
          .append(warns)
          .append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n");
  }

  /** Quarantined rows by table and rule: a table whose cells carry the numbers, and a bar chart. */
  private void quarantine() {
    body.append("<h3>Quarantined rows by rule</h3>\n");
    if (run.quarantine().isEmpty()) {
      empty("No row was quarantined in this run.");
      return;
    }
    body.append("<table class=\"narrow quarantine-by-rule\">\n<thead><tr><th>Quarantine table</th>")
        .append("<th class=\"num\">Version</th><th>Rule or reason</th><th class=\"num\">Rows</th>")
        .append("</tr></thead>\n<tbody>\n");
    List<String> labels = new ArrayList<>();
    List<Object> rows = new ArrayList<>();
    for (QuarantineCount q : run.quarantine()) {
      body.append("<tr data-table=\"")
          .append(esc(q.table()))
          .append("\" data-rule=\"")
          .append(esc(q.rule()))
          .append("\" data-rows=\"")
          .append(q.rows())
          .append("\"><td>")
          .append(esc(q.table()))
          .append("</td><td class=\"num\">")
          .append(q.tableVersion())
          .append("</td><td>")
          .append(esc(q.rule()))
          .append("</td><td class=\"num\">")
          .append(count(q.rows()))
          .append("</td></tr>\n");
      labels.add(q.table().replaceFirst("_quarantine$", "") + " · " + q.rule());
      rows.add(q.rows());
    }
    body.append("</tbody>\n</table>\n");
    int height = Math.max(200, 60 + 34 * labels.size());
    chart(
        "chart-quarantine",
        height,
        List.of(
            obj()
                .with("type", "bar")
                .with("orientation", "h")
                .with("x", rows)
                .with("y", categories(labels))
                .with("marker", obj().with("color", TEAL))
                .with("hovertemplate", "%{y}: %{x} rows<extra></extra>")),
        layout(height)
            .with("xaxis", axis("quarantined rows"))
            .with("yaxis", obj().with("type", "category").with("automargin", true).with("autorange", "reversed")));
  }

  /** A line chart per table and metric across versions, from the quality ledger. */
  private void qualityHistory() {
    if (run.qualityHistory().isEmpty()) {
      return;
    }
    body.append("<h3>Across versions</h3>\n<div class=\"grid\">\n");
    Map<String, List<MetricPoint>> series = new LinkedHashMap<>();
    run.qualityHistory().forEach(p -> series.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p));
    int i = 0;
    for (Map.Entry<String, List<MetricPoint>> entry : series.entrySet()) {
      List<String> x = new ArrayList<>();
      List<Object> y = new ArrayList<>();
      for (MetricPoint p : entry.getValue()) {
        x.add(p.label());
        y.add(p.value());
      }
      body.append("<div>");
      chart(
          "chart-quality-" + i++,
          260,
          List.of(
              obj()
                  .with("type", "scatter")
                  .with("mode", "lines+markers")
                  .with("x", categories(x))
                  .with("y", y)
                  .with("line", obj().with("color", TEAL).with("width", 3))
                  .with("marker", obj().with("size", 8).with("color", TEAL))
                  .with("hovertemplate", "%{x}: %{y}<extra></extra>")),
          layout(260)
              .with("title", obj().with("text", plotText(entry.getKey())).with("font", obj().with("size", 14)))
              .with("xaxis", obj().with("type", "category").with("automargin", true)));
      body.append("</div>\n");
    }
    body.append("</div>\n");
  }

  private void qualityDetails(List<QualityResult> results) {
    body.append("<h3>Every check</h3>\n");
    // Failures first, error level before warning level; otherwise the order given.
    List<QualityResult> ordered = new ArrayList<>(results);
    ordered.sort(Comparator.comparingInt(RunReport::qualityRank));
    body.append("<table>\n<thead><tr><th>Status</th><th>Table</th><th class=\"num\">Version</th>")
        .append("<th>Check</th><th>Level</th><th class=\"num\">Value</th><th>Message</th>")
        .append("</tr></thead>\n<tbody>\n");
    for (QualityResult r : ordered) {
      String rowClass =
          !r.failed()
              ? "pass"
              : r.level() == QualityResult.Level.ERROR ? "fail-error" : "fail-warn";
      body.append("<tr class=\"")
          .append(rowClass)
          .append("\"><td>")
          .append(r.status().name().toLowerCase(Locale.ROOT))
          .append("</td><td>")
          .append(esc(r.table()))
          .append("</td><td class=\"num\">")
          .append(r.tableVersion())
          .append("</td><td>")
          .append(esc(r.check()))
          .append("</td><td>")
          .append(r.level().name().toLowerCase(Locale.ROOT))
          .append("</td><td class=\"num\">")
          .append(r.metricValue() == null ? "" : esc(number(r.metricValue())))
          .append("</td><td>")
          .append(esc(r.message()))
          .append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n");
  }

  private static int qualityRank(QualityResult r) {
    if (!r.failed()) {
      return 2;
    }
    return r.level() == QualityResult.Level.ERROR ? 0 : 1;
  }

  private void model() {
    section("model", "Model");
    if (run.modelMetrics().isEmpty() && run.modelVersion() == null) {
      empty("No model trained or evaluated in this run.");
      endSection();
      return;
    }
    body.append("<p>Model version: <code>")
        .append(run.modelVersion() == null ? "unknown" : esc(run.modelVersion()))
        .append("</code></p>\n");
    if (!run.modelMetrics().isEmpty()) {
      body.append("<table class=\"narrow\">\n<thead><tr><th>Metric</th>")
          .append("<th class=\"num\">Value</th></tr></thead>\n<tbody>\n");
      run.modelMetrics()
          .forEach(
              (name, value) ->
                  body.append("<tr><td>")
                      .append(esc(name))
                      .append("</td><td class=\"num\">")
                      .append(esc(number(value)))
                      .append("</td></tr>\n"));
      body.append("</tbody>\n</table>\n");
    }
    endSection();
  }

  private void drift() {
    section("drift", "Feature drift");
    if (run.drift().isEmpty()) {
      empty("No drift measured in this run.");
      endSection();
      return;
    }
    Map<String, List<DriftValue>> byMetric = new LinkedHashMap<>();
    run.drift().forEach(d -> byMetric.computeIfAbsent(d.metric(), m -> new ArrayList<>()).add(d));
    body.append("<div class=\"grid\">\n");
    int i = 0;
    for (Map.Entry<String, List<DriftValue>> entry : byMetric.entrySet()) {
      driftChart("chart-drift-" + i++, entry.getKey(), entry.getValue());
    }
    body.append("</div>\n");

    body.append("<table>\n<thead><tr><th>Feature</th><th>Metric</th>")
        .append("<th class=\"num\">Value</th><th>Status</th></tr></thead>\n<tbody>\n");
    for (DriftValue d : run.drift()) {
      body.append("<tr><td>")
          .append(esc(d.feature()))
          .append("</td><td>")
          .append(esc(d.metric()))
          .append("</td><td class=\"num\">")
          .append(esc(number(d.value())))
          .append("</td><td>")
          .append(badge(d.status().name(), driftColor(d.status())))
          .append("</td></tr>\n");
    }
    body.append("</tbody>\n</table>\n");
    endSection();
  }

  private void driftChart(String id, String metric, List<DriftValue> values) {
    boolean psi = metric.equalsIgnoreCase("psi");
    List<String> x = new ArrayList<>();
    List<Object> full = new ArrayList<>();
    List<Object> y = new ArrayList<>();
    List<Object> colors = new ArrayList<>();
    double max = 0;
    for (DriftValue d : values) {
      x.add(d.feature());
      full.add(plotText(d.feature()));
      y.add(d.value());
      colors.add(driftColor(d.status()));
      if (Double.isFinite(d.value())) {
        max = Math.max(max, d.value());
      }
    }
    Map<String, Object> bars =
        obj()
            .with("type", "bar")
            .with("x", categories(x))
            .with("y", y)
            .with("customdata", full)
            .with("hovertemplate", "%{customdata}: %{y:.4f}<extra></extra>")
            .with("marker", obj().with("color", colors));
    JsonObject yaxis = axis(plotText(metric)).with("rangemode", "tozero");
    JsonObject layout =
        layout(300)
            .with(
                "title", obj().with("text", plotText(metric)).with("font", obj().with("size", 14)))
            .with("xaxis", obj().with("automargin", true))
            .with("yaxis", yaxis);
    if (psi) {
      // Both lines stay in view, labelled in the right margin, even when every feature is far
      // below them.
      yaxis.with("range", List.of(0, Math.max(max, PSI_ALARM) * 1.15));
      layout
          .with("margin", obj().with("l", 60).with("r", 80).with("t", 30).with("b", 50))
          .with("shapes", List.of(thresholdLine(PSI_WARN, ORANGE), thresholdLine(PSI_ALARM, RED)))
          .with(
              "annotations",
              List.of(
                  thresholdLabel(PSI_WARN, "warn", ORANGE),
                  thresholdLabel(PSI_ALARM, "alarm", RED)));
    }
    body.append("<div>");
    chart(id, 300, List.of(bars), layout);
    body.append("</div>\n");
  }

  private static Map<String, Object> thresholdLine(double y, String color) {
    return obj()
        .with("type", "line")
        .with("xref", "paper")
        .with("x0", 0)
        .with("x1", 1)
        .with("y0", y)
        .with("y1", y)
        .with("line", obj().with("color", color).with("width", 2).with("dash", "dash"));
  }

  private static Map<String, Object> thresholdLabel(double y, String name, String color) {
    return obj()
        .with("xref", "paper")
        .with("x", 1)
        .with("y", y)
        .with("text", String.format(Locale.ROOT, "%s %.2f", name, y))
        .with("showarrow", false)
        .with("xanchor", "left")
        .with("yanchor", "middle")
        .with("font", obj().with("color", color).with("size", 11));
  }

  private void history() {
    section("history", "History");
    if (run.history().isEmpty()) {
      empty("No history recorded.");
      endSection();
      return;
    }
    Map<String, List<MetricPoint>> series = new LinkedHashMap<>();
    run.history().forEach(p -> series.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p));
    body.append("<div class=\"grid\">\n");
    int i = 0;
    for (Map.Entry<String, List<MetricPoint>> entry : series.entrySet()) {
      List<String> x = new ArrayList<>();
      List<Object> y = new ArrayList<>();
      for (MetricPoint p : entry.getValue()) {
        x.add(p.label());
        y.add(p.value());
      }
      body.append("<div>");
      chart(
          "chart-history-" + i++,
          280,
          List.of(
              obj()
                  .with("type", "scatter")
                  .with("mode", "lines+markers")
                  .with("x", categories(x))
                  .with("y", y)
                  .with("line", obj().with("color", PURPLE).with("width", 2))
                  .with("marker", obj().with("size", 7))
                  .with("hovertemplate", "%{x}: %{y}<extra></extra>")),
          layout(280)
              .with(
                  "title",
                  obj().with("text", plotText(entry.getKey())).with("font", obj().with("size", 14)))
              .with("xaxis", obj().with("type", "category").with("automargin", true)));
      body.append("</div>\n");
    }
    body.append("</div>\n");
    endSection();
  }

  // ---- building blocks ------------------------------------------------------------------------

  private void section(String id, String title) {
    body.append("<section id=\"").append(id).append("\">\n<h2>").append(title).append("</h2>\n");
  }

  private void endSection() {
    body.append("</section>\n");
  }

  private void empty(String text) {
    body.append("<p class=\"empty\">").append(esc(text)).append("</p>\n");
  }

  private void chart(String id, int height, List<Object> data, Map<String, Object> layout) {
    body.append("<div class=\"chart\" id=\"")
        .append(id)
        .append("\" style=\"height:")
        .append(height)
        .append("px\"></div>\n");
    charts.add(obj().with("id", id).with("data", data).with("layout", layout));
  }

  private static JsonObject layout(int height) {
    return obj()
        .with("height", height)
        .with("margin", obj().with("l", 60).with("r", 20).with("t", 30).with("b", 50))
        .with("font", obj().with("family", FONT).with("size", 12).with("color", "#222"))
        .with("paper_bgcolor", "#ffffff")
        .with("plot_bgcolor", "#ffffff")
        .with("showlegend", false);
  }

  private static JsonObject axis(String title) {
    return obj().with("title", obj().with("text", title)).with("gridcolor", "#e6e6e6");
  }

  private String chartsScript() {
    Map<String, Object> config = obj().with("displayModeBar", false).with("responsive", true);
    // The body's data-charts-* attributes tell a headless browser (and the tests) how drawing went.
    return "(function () {\n"
        + "  var charts = "
        + ScriptJson.write(charts)
        + ";\n"
        + "  var config = "
        + ScriptJson.write(config)
        + ";\n"
        + "  var body = document.body;\n"
        + "  if (typeof Plotly === 'undefined') {\n"
        + "    body.setAttribute('data-charts-error', 'plotly.js did not load');\n"
        + "    charts.forEach(function (c) {\n"
        + "      document.getElementById(c.id).textContent ="
        + " 'Chart unavailable: plotly.js did not load.';\n"
        + "    });\n"
        + "    return;\n"
        + "  }\n"
        + "  Promise.all(charts.map(function (c) {\n"
        + "    return Plotly.newPlot(c.id, c.data, c.layout, config);\n"
        + "  })).then(function () {\n"
        + "    body.setAttribute('data-charts-rendered', String(charts.length));\n"
        + "  }, function (e) {\n"
        + "    body.setAttribute('data-charts-error', String(e));\n"
        + "  });\n"
        + "})();\n";
  }

  private static JsonObject obj() {
    return new JsonObject();
  }

  /** A JSON object for Plotly, written in insertion order. */
  private static final class JsonObject extends LinkedHashMap<String, Object> {
    JsonObject with(String key, Object value) {
      put(key, value);
      return this;
    }
  }

  private static String badge(String text, String color) {
    return "<span class=\"badge\" style=\"background:"
        + color
        + "\">"
        + esc(text.toLowerCase(Locale.ROOT))
        + "</span>";
  }

  private static String stageColor(StageResult.Status status) {
    return switch (status) {
      case SUCCEEDED -> GREEN;
      case FAILED -> RED;
      case SKIPPED -> GREY;
    };
  }

  private static String driftColor(DriftValue.Status status) {
    return switch (status) {
      case OK -> GREEN;
      case WARN -> ORANGE;
      case ALARM -> RED;
    };
  }

  /** Escapes text for HTML element content and double- or single-quoted attribute values. */
  static String esc(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  // Plotly renders a subset of HTML in its labels (<b>, <br>, <a href>); the run's names are
  // shown as written, so they go in escaped. Plotly decodes &amp; &lt; &gt; but not &quot;, and
  // quotes need no escaping here: without a '<' there is no tag to put them in.
  private static String plotText(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Axis categories for names: shortened so a long name does not squeeze the plot (hover texts keep
   * the whole name), and made unique, because a category axis draws equal labels as one.
   */
  private static List<Object> categories(List<String> names) {
    Set<String> seen = new LinkedHashSet<>();
    List<Object> out = new ArrayList<>();
    for (String name : names) {
      String shortName = name;
      if (name.length() > MAX_LABEL) {
        int end = MAX_LABEL - 1;
        if (Character.isHighSurrogate(name.charAt(end - 1))) {
          end--; // do not split a character in two
        }
        shortName = name.substring(0, end) + "\u2026";
      }
      String label = shortName;
      for (int n = 2; !seen.add(label); n++) {
        label = shortName + " (" + n + ")";
      }
      out.add(plotText(label));
    }
    return out;
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static String duration(Duration d) {
    double s = seconds(d);
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", s);
    }
    long whole = d.getSeconds();
    if (whole < 3600) {
      return String.format(Locale.ROOT, "%d min %04.1f s", whole / 60, s - 60 * (whole / 60));
    }
    return String.format(Locale.ROOT, "%d h %02d min", whole / 3600, (whole % 3600) / 60);
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String number(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    return BigDecimal.valueOf(v)
        .setScale(4, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  private static final String CSS =
      """
      :root { color-scheme: light; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
             color: #222; background: #f5f6f8; }
      header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
      header { padding-top: 20px; }
      h1 { font-size: 22px; margin: 0 0 12px; display: flex; gap: 12px; align-items: center; }
      h2 { font-size: 17px; margin: 0 0 12px; }
      code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.95em; }
      .facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 12px; }
      .facts dt { color: #666; font-size: 12px; }
      .facts dd { margin: 0; font-weight: 600; }
      .badge { color: #fff; border-radius: 4px; padding: 1px 8px; font-size: 12px;
               font-weight: 600; letter-spacing: 0.03em; }
      .error { background: #fdecea; border-left: 4px solid #c62828; padding: 8px 12px;
               margin: 0 0 12px; }
      .error pre { margin: 4px 0 0; white-space: pre-wrap; word-break: break-word; }
      nav { margin: 4px 0 16px; } nav a { margin-right: 14px; color: #1565c0; }
      section { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px;
                padding: 16px 18px; margin: 0 0 16px; }
      .chart { width: 100%; margin: 0 0 12px; }
      .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
              gap: 12px; }
      table { border-collapse: collapse; width: 100%; font-size: 13px; }
      table.narrow { width: auto; min-width: 280px; }
      th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #eceef1;
               vertical-align: top; }
      th { background: #fafbfc; font-weight: 600; }
      td { overflow-wrap: anywhere; }
      .num { text-align: right; font-variant-numeric: tabular-nums; }
      .num, .time, .badge { white-space: nowrap; overflow-wrap: normal; }
      tr.pass td:first-child { color: #2e7d32; font-weight: 600; }
      tr.fail-error { background: #fdecea; } tr.fail-error td:first-child { color: #c62828;
               font-weight: 600; }
      tr.fail-warn { background: #fff4e5; } tr.fail-warn td:first-child { color: #ef6c00;
               font-weight: 600; }
      .counts .pass-count { color: #2e7d32; font-weight: 600; }
      .counts .fail-count { color: #c62828; font-weight: 600; }
      h3 { font-size: 14px; margin: 16px 0 8px; }
      .empty { color: #666; font-style: italic; margin: 0; }
      footer { color: #888; font-size: 12px; padding-bottom: 24px; }
      """;
}
