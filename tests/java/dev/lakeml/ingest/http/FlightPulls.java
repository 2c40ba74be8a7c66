package dev.lakeml.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny pulls directory built in code: two dates, three pages of five records each, laid out
 * and shaped as the bundled flights pulls.
 */
final class FlightPulls {
  static final LocalDate DAY_1 = LocalDate.of(2001, 1, 15);
  static final LocalDate DAY_2 = LocalDate.of(2001, 1, 16);
  static final List<LocalDate> DATES = List.of(DAY_1, DAY_2);
  static final int PAGES = 3;
  static final int PAGE_SIZE = 5;

  static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path root;

  private FlightPulls(Path root) {
    this.root = root;
  }

  static FlightPulls writeTo(Path root) {
    FlightPulls pulls = new FlightPulls(root);
    for (LocalDate date : DATES) {
      for (int page = 1; page <= PAGES; page++) {
        pulls.write(date, page, pulls.pageJson(date, page));
      }
    }
    return pulls;
  }

  Path root() {
    return root;
  }

  /** The ids of one page: 1 000 000 * day-of-month + 100 * page + i. */
  static List<Long> ids(LocalDate date, int page) {
    List<Long> ids = new ArrayList<>();
    for (int i = 1; i <= PAGE_SIZE; i++) {
      ids.add(1_000_000L * date.getDayOfMonth() + 100L * page + i);
    }
    return ids;
  }

  static List<Long> ids(LocalDate date) {
    List<Long> ids = new ArrayList<>();
    for (int page = 1; page <= PAGES; page++) {
      ids.addAll(ids(date, page));
    }
    return ids;
  }

  ObjectNode pageJson(LocalDate date, int page) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("source", "bts-ontime");
    ObjectNode request = body.putObject("request");
    request.put("date", date.toString());
    request.put("page", page);
    request.put("page_size", PAGE_SIZE);
    body.put("page", page);
    body.put("total_pages", PAGES);
    body.put("total_records", PAGES * PAGE_SIZE);
    if (page < PAGES) {
      body.put(
          "next",
          "/v1/flights?date=" + date + "&page=" + (page + 1) + "&page_size=" + PAGE_SIZE);
    } else {
      body.putNull("next");
    }
    ArrayNode records = body.putArray("records");
    List<Long> ids = ids(date, page);
    for (int i = 0; i < ids.size(); i++) {
      records
          .addObject()
          .put("id", ids.get(i))
          .put("date", date + "T0" + (6 + i) + ":05:00")
          .put("delay", 5 * i - 3)
          .put("distance", 300 + 10 * i)
          .put("origin", "SEA")
          .put("destination", i % 2 == 0 ? "LAX" : "SFO");
    }
    return body;
  }

  void write(LocalDate date, int page, JsonNode body) {
    try {
      Path dir = Files.createDirectories(root.resolve(date.toString()));
      Files.write(dir.resolve(String.format("page-%04d.json", page)),
          MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] bytes(LocalDate date, int page) {
    try {
      return Files.readAllBytes(root.resolve(date.toString()).resolve(
          String.format("page-%04d.json", page)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The record ids in a landed or served body, in order. */
  static List<Long> recordIds(byte[] body) {
    try {
      List<Long> ids = new ArrayList<>();
      for (JsonNode r : MAPPER.readTree(body).path("records")) {
        ids.add(r.get("id").longValue());
      }
      return ids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
