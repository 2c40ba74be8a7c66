package dev.lakeml.ingest.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Bundled pulls on disk: {@code <root>/<yyyy-MM-dd>/page-0001.json, page-0002.json, ...}, each
 * file one page body exactly as the API served it.
 */
final class PullsDirectory {
  private static final Pattern PAGE_FILE = Pattern.compile("page-(\\d{4,})\\.json");

  private final Path root;

  PullsDirectory(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** The highest page number on disk for a date; 0 when the date has no folder. */
  int pageCount(LocalDate date) throws IOException {
    Path dir = root.resolve(date.toString());
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> PAGE_FILE.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToInt(m -> Integer.parseInt(m.group(1)))
          .max()
          .orElse(0);
    }
  }

  /** The page's bytes, or empty if its file is missing. */
  Optional<byte[]> page(LocalDate date, int page) throws IOException {
    Path file = root.resolve(date.toString()).resolve(String.format("page-%04d.json", page));
    return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
  }
}
