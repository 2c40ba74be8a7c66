package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, opening a local file: a screenshot, or the DOM after scripts ran.
 */
final class HeadlessChromium {
  private static final long TIMEOUT_SECONDS = 60;

  /** What one Chromium run printed. */
  record Run(String stdout, String stderr) {}

  private final Path binary;
  private final Path workDir;

  HeadlessChromium(Path workDir) {
    this.binary = ExternalTools.require("chromium", "chromium");
    this.workDir = workDir;
  }

  Run screenshot(Path page, Path png, int width, int height) throws Exception {
    return run(page, "--window-size=" + width + "," + height, "--screenshot=" + png);
  }

  /**
   * The DOM once the page's scripts have run (up to 10 s of page time); stderr carries the page's
   * console, including every request the Content-Security-Policy blocked.
   */
  Run dumpDom(Path page) throws Exception {
    return run(page, "--dump-dom", "--enable-logging=stderr", "--v=0");
  }

  private Run run(Path page, String... extra) throws Exception {
    Path profile = Files.createTempDirectory(workDir, "chromium-profile");
    Path out = Files.createTempFile(workDir, "chromium", ".out");
    Path err = Files.createTempFile(workDir, "chromium", ".err");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                // Page time, not wall time: lets Plotly finish before the capture.
                "--virtual-time-budget=10000",
                "--user-data-dir=" + profile));
    command.addAll(List.of(extra));
    command.add(page.toUri().toString());
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
    }
    Run run = new Run(read(out), read(err));
    if (process.exitValue() != 0) {
      fail("chromium exited with " + process.exitValue() + ": " + command + "\n" + run.stderr());
    }
    return run;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
