package dev.lakeml.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * One JSON line per {@code /predict} request in {@code <dir>/requests-<yyyy-MM-dd>.jsonl} (UTC
 * day): {@code time}, {@code request_id}, {@code outcome} (ok, fallback, bad_request, error), {@code
 * status}, {@code latency_ms}, {@code input} (the record as sent: parsed JSON when it was JSON, else
 * the text, cut at 2,000 characters) and {@code response} (the answer, or the error message). A
 * line is flushed when written, so a monitoring job can read the day's file while the server runs.
 */
final class RequestLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RAW = 2000;

  private final Path dir;
  private LocalDate day;
  private BufferedWriter writer;

  RequestLog(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the request log folder " + dir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  synchronized void append(String requestId, String outcome, int status, double latencyMs, String input, JsonNode response) {
    Instant now = Instant.now();
    ObjectNode line = JSON.createObjectNode();
    line.put("time", now.toString());
    line.put("request_id", requestId);
    line.put("outcome", outcome);
    line.put("status", status);
    line.put("latency_ms", Math.round(latencyMs * 1000) / 1000.0);
    if (input == null) {
      line.putNull("input");
    } else {
      try {
        line.set("input", JSON.readTree(input));
      } catch (IOException e) {
        line.put("input", input.length() > MAX_RAW ? input.substring(0, MAX_RAW) : input);
      }
    }
    line.set("response", response);
    try {
      LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
      if (!today.equals(day)) {
        close();
        writer =
            Files.newBufferedWriter(
                dir.resolve("requests-" + today + ".jsonl"), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        day = today;
      }
      writer.write(JSON.writeValueAsString(line));
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      // The answer was sent; a log that cannot be written is reported on stderr, not to the client.
      System.err.println("warning: cannot append to the request log in " + dir + ": " + e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException ignored) {
        // closing a log we no longer write to
      }
      writer = null;
      day = null;
    }
  }
}
