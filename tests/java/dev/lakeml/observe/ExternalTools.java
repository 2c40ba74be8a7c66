package dev.lakeml.observe;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the Debian programs the observe tests run against; their absence fails, never skips. */
final class ExternalTools {
  private ExternalTools() {}

  static Path require(String command, String debianPackage) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return fail(
        "Cannot run this test: '"
            + command
            + "' (Debian package "
            + debianPackage
            + ") is not installed. Run scripts/install-ci-deps first.");
  }
}
