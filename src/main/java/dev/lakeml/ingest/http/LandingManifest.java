package dev.lakeml.ingest.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The append-only record of what was landed for each window: {@code
 * <landingDir>/_manifest/<yyyy-MM-dd>.jsonl}, one JSON object per landed page, in landing order.
 *
 * <p>{@link HttpPageSource#pull} appends a row right after each page's body is safely on disk, so
 * after a crash the manifest still tells what landed and where to resume ({@link
 * #resumePoint(LocalDate)}). Rows are never rewritten; a rerun of a window appends again, and a
 * page landed twice has the same {@code sha256} and file both times. One writer per window at a
 * time.
 *
 * <p>Row fields: {@code source, window, page, url, status, attempts, headers, fetched_at, bytes,
 * sha256, path, valid, reason, records, next_page, next_token}. {@code path} is relative to the
 * landing directory, so a landing directory can move (local disk to object store) with its
 * manifest.
 */
public final class LandingManifest {
  /** The manifest folder inside the landing directory; '_' so Spark's file listing skips it. */
  public static final String DIRECTORY = "_manifest";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path landingDir;

  private LandingManifest(Path landingDir) {
    this.landingDir = landingDir;
  }

  /** The manifest of a landing directory (which need not exist yet). */
  public static LandingManifest at(Path landingDir) {
    return new LandingManifest(Objects.requireNonNull(landingDir, "landingDir"));
  }

  /** The manifest file of one window. */
  public Path file(LocalDate window) {
    return landingDir.resolve(DIRECTORY).resolve(window + ".jsonl");
  }

  /** Appends one row, creating the file if needed, and forces it to disk. */
  public void append(LandedPage page) {
    Path file = file(page.window());
    byte[] line = (toJson(page) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      Files.createDirectories(file.getParent());
      try (FileChannel out =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              StandardOpenOption.APPEND)) {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot append to landing manifest " + file + ": " + e.getMessage()
              + ". Check that the landing directory is writable",
          e);
    }
  }

  /**
   * The rows of one window, in the order they were appended; empty if the window was never
   * pulled. A last line cut short by a crash is skipped.
   */
  public List<LandedPage> read(LocalDate window) {
    Path file = file(window);
    if (!Files.exists(file)) {
      return List.of();
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read landing manifest " + file + ": " + e, e);
    }
    String[] lines = text.split("\n", -1);
    List<LandedPage> rows = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      boolean lastAndUnterminated = i == lines.length - 1;
      try {
        rows.add(fromJson(MAPPER.readTree(lines[i])));
      } catch (JsonProcessingException | RuntimeException e) {
        if (lastAndUnterminated) {
          break;
        }
        throw new IllegalStateException(
            "Cannot read landing manifest " + file + ": line " + (i + 1) + " is not a manifest"
                + " row (" + e.getMessage() + "). The manifest is append-only; restore it or move"
                + " the bad line out",
            e);
      }
    }
    return List.copyOf(rows);
  }

  /**
   * Where the next pull of a window should start: the first page if nothing was landed, the page
   * after the last landed one, that page again if it was landed invalid, or empty if the last
   * landed page was the window's last.
   */
  public Optional<PageCursor> resumePoint(LocalDate window) {
    List<LandedPage> rows = read(window);
    if (rows.isEmpty()) {
      return Optional.of(PageCursor.first());
    }
    LandedPage last = rows.get(rows.size() - 1);
    if (last.valid()) {
      return last.next();
    }
    if (last.pageNumber() == 1) {
      return Optional.of(PageCursor.first());
    }
    for (int i = rows.size() - 2; i >= 0; i--) {
      Optional<PageCursor> next = rows.get(i).next();
      if (next.isPresent() && next.get().page() == last.pageNumber()) {
        return next;
      }
    }
    return Optional.of(PageCursor.atPage(last.pageNumber()));
  }

  static String toJson(LandedPage page) {
    ObjectNode row = MAPPER.createObjectNode();
    row.put("source", page.source());
    row.put("window", page.window().toString());
    row.put("page", page.pageNumber());
    row.put("url", page.url());
    row.put("status", page.statusCode());
    row.put("attempts", page.attempts());
    ObjectNode headers = row.putObject("headers");
    page.headers().forEach(headers::put);
    row.put("fetched_at", page.fetchedAt().toString());
    row.put("bytes", page.byteSize());
    row.put("sha256", page.sha256());
    row.put("path", page.landingPath().toString().replace('\\', '/'));
    row.put("valid", page.valid());
    row.put("reason", page.invalidReason().orElse(null));
    row.put("records", page.recordCount());
    row.put("next_page", page.next().map(PageCursor::page).orElse(null));
    row.put("next_token", page.next().map(PageCursor::token).orElse(null));
    return row.toString();
  }

  private static LandedPage fromJson(JsonNode row) {
    Map<String, String> headers = new LinkedHashMap<>();
    row.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
    Optional<PageCursor> next =
        row.path("next_page").isIntegralNumber()
            ? Optional.of(
                new PageCursor(row.get("next_page").intValue(), text(row, "next_token")))
            : Optional.empty();
    return new LandedPage(
        required(row, "source").asText(),
        LocalDate.parse(required(row, "window").asText()),
        required(row, "page").intValue(),
        required(row, "url").asText(),
        required(row, "status").intValue(),
        required(row, "attempts").intValue(),
        headers,
        Instant.parse(required(row, "fetched_at").asText()),
        required(row, "bytes").longValue(),
        required(row, "sha256").asText(),
        Path.of(required(row, "path").asText()),
        required(row, "valid").booleanValue(),
        Optional.ofNullable(text(row, "reason")),
        row.path("records").intValue(),
        next);
  }

  private static JsonNode required(JsonNode row, String field) {
    JsonNode value = row.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("field '" + field + "' is missing");
    }
    return value;
  }

  private static String text(JsonNode row, String field) {
    JsonNode value = row.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
