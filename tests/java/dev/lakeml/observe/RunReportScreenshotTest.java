package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens written reports in headless Chromium, as a person would, and checks what it draws. */
class RunReportScreenshotTest {
  private static final Path OUT =
      Path.of(System.getProperty("lakeml.project.dir", "."), "target", "observe");

  @TempDir Path workDir;

  @Test
  void chartsAreDrawnInTheScreenshot() throws Exception {
    Path html = RunReport.write(SampleRuns.flights(), OUT.resolve("run-report.html"));
    Path png = OUT.resolve("run-report.png");
    Files.deleteIfExists(png);

    new HeadlessChromium(workDir).screenshot(html, png, 1280, 2000);

    assertTrue(Files.size(png) > 0, "no screenshot at " + png);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1280, image.getWidth());
    assertEquals(2000, image.getHeight());
    // The rows-per-table bars are the only large areas of this blue: three bars of millions of
    // rows fill most of a 320 px chart.
    int blue = countNear(image, 0x1565c0);
    assertTrue(blue > 20_000, "rows-per-table bars missing from " + png + ": " + blue + " px");
    // The stage timeline: the train stage (120 of 222 s) is a green bar far wider than any
    // status badge, so some rows hold a long unbroken green run.
    int rowsWithLongGreenRun = rowsWithRun(image, 0x2e7d32, 300);
    assertTrue(
        rowsWithLongGreenRun >= 10,
        "stage timeline missing from " + png + ": " + rowsWithLongGreenRun + " rows");
  }

  @Test
  void everyChartRendersWithoutNetworkOrInjection() throws Exception {
    RunSummary hostile = withHostileNames(SampleRuns.flights());
    Path html = RunReport.write(hostile, OUT.resolve("run-report-hostile.html"));
    String written = Files.readString(html);
    int chartDivs = count(written, "<div class=\"chart\"");

    HeadlessChromium.Run run = new HeadlessChromium(workDir).dumpDom(html);

    String dom = run.stdout();
    Matcher body = Pattern.compile("<body([^>]*)>").matcher(dom);
    assertTrue(body.find(), "no body in the DOM Chromium dumped");
    assertTrue(
        body.group(1).contains("data-charts-rendered=\"" + chartDivs + "\""),
        "not all " + chartDivs + " charts rendered: <body" + body.group(1) + ">");
    assertTrue(count(dom, "class=\"main-svg\"") >= chartDivs, "a chart has no Plotly SVG");
    assertFalse(body.group(1).contains("data-pwned"), "a name from the run ran as script");
    assertFalse(dom.contains("<img"), "a name from the run became an element");
    List<String> blocked =
        run.stderr().lines().filter(l -> l.contains("Content Security Policy")).toList();
    assertEquals(List.of(), blocked, "the report tried to load something");
    List<String> errors =
        run.stderr().lines().filter(l -> l.contains("CONSOLE") && l.contains("rror")).toList();
    assertEquals(List.of(), errors, "the page logged errors");
  }

  /** The sample run plus names that would run script or add elements if not escaped. */
  static RunSummary withHostileNames(RunSummary run) {
    String pwn = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">";
    RunSummary.Builder b =
        RunSummary.builder(run.runId() + "</title><script>x()</script>", run.pipeline(), "run")
            .startedAt(run.startedAt())
            .endedAt(run.endedAt())
            .failed("Cannot write table " + pwn + ": </script><script>x()</script> & more")
            .model("v<b>1</b>", run.modelMetrics());
    run.stages().forEach(b::addStage);
    b.addStage(SampleRuns.stage(pwn, 100, 5, 1, 1, SampleRuns.table(pwn, 1, 500_000)));
    run.qualityResults().forEach(b::addQualityResult);
    b.addQualityResult(
        new QualityResult(
            pwn, 1, pwn, QualityResult.Level.ERROR, QualityResult.Status.FAIL, null, pwn));
    run.drift().forEach(b::addDrift);
    b.addDrift(new DriftValue(pwn, "psi", 0.2, DriftValue.Status.WARN));
    b.addDrift(new DriftValue("a & \"b\" <c>", "psi", 0.05, DriftValue.Status.OK));
    run.history().forEach(b::addHistory);
    b.addHistory(pwn, "</script>", 1.0);
    return b.build();
  }

  private static int countNear(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if (near(image.getRGB(x, y), rgb)) {
          n++;
        }
      }
    }
    return n;
  }

  private static int rowsWithRun(BufferedImage image, int rgb, int minRun) {
    int rows = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      int run = 0;
      int longest = 0;
      for (int x = 0; x < image.getWidth(); x++) {
        run = near(image.getRGB(x, y), rgb) ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      if (longest >= minRun) {
        rows++;
      }
    }
    return rows;
  }

  private static boolean near(int argb, int rgb) {
    return Math.abs(((argb >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= 12
        && Math.abs(((argb >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= 12
        && Math.abs((argb & 0xff) - (rgb & 0xff)) <= 12;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }
}
