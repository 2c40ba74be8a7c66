package dev.lakeml.ingest.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a response body says, read against a spec: whether it is a valid page (a JSON object with
 * a records array), how many records it holds, and what it says about the next page.
 */
final class PageBody {
  // The source location would quote the body in parser messages; reasons must stay short.
  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final String invalidReason;
  private final int recordCount;
  private final String nextToken;
  private final Integer totalPages;

  private PageBody(String invalidReason, int recordCount, String nextToken, Integer totalPages) {
    this.invalidReason = invalidReason;
    this.recordCount = recordCount;
    this.nextToken = nextToken;
    this.totalPages = totalPages;
  }

  private static PageBody invalid(String reason) {
    return new PageBody(reason, 0, null, null);
  }

  static PageBody read(byte[] body, Optional<String> contentType, HttpSourceSpec spec) {
    if (body.length == 0) {
      return invalid("body is empty");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      String kind =
          contentType.map(t -> t.toLowerCase(Locale.ROOT).contains("html")).orElse(false)
              ? "body is HTML (content-type " + contentType.get() + "), not JSON: "
              : "body is not valid JSON: ";
      return invalid(kind + parserMessage(e));
    } catch (IOException e) {
      return invalid("body could not be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      return invalid(
          "body is a JSON " + (root == null ? "nothing" : root.getNodeType()) + ", not an object");
    }
    JsonNode records = field(root, spec.recordsField());
    if (records.isMissingNode() || records.isNull()) {
      return invalid("body has no '" + spec.recordsField() + "' array (records_field)");
    }
    if (!records.isArray()) {
      return invalid(
          "body's '" + spec.recordsField() + "' is a " + records.getNodeType() + ", not an array");
    }

    Pagination pagination = spec.pagination();
    String nextToken = null;
    Integer totalPages = null;
    if (pagination.field() != null) {
      JsonNode next = field(root, pagination.field());
      if (pagination.mode() == PaginationMode.PAGE_NUMBER) {
        if (next.canConvertToInt() && next.isIntegralNumber()) {
          totalPages = next.intValue();
        }
      } else if (next.isTextual() || next.isIntegralNumber()) {
        nextToken = next.asText().isEmpty() ? null : next.asText();
      } else if (!next.isMissingNode() && !next.isNull()) {
        return invalid(
            "body's '" + pagination.field() + "' is a " + next.getNodeType()
                + ", not a string or null");
      }
    }
    return new PageBody(null, records.size(), nextToken, totalPages);
  }

  private static JsonNode field(JsonNode root, String field) {
    return field.startsWith("/") ? root.at(field) : root.path(field);
  }

  private static String parserMessage(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    int cut = message.indexOf('\n');
    if (cut >= 0) {
      message = message.substring(0, cut);
    }
    cut = message.indexOf(" (start marker");
    if (cut >= 0) {
      message = message.substring(0, cut);
    }
    JsonLocation at = e.getLocation();
    return at == null
        ? message
        : message + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
  }

  boolean valid() {
    return invalidReason == null;
  }

  Optional<String> invalidReason() {
    return Optional.ofNullable(invalidReason);
  }

  int recordCount() {
    return recordCount;
  }

  /** The cursor or next URL the body gives, if any (cursor and next-link pagination). */
  Optional<String> nextToken() {
    return Optional.ofNullable(nextToken);
  }

  /** The total number of pages the body states (page-number pagination with a total field). */
  OptionalInt totalPages() {
    return totalPages == null ? OptionalInt.empty() : OptionalInt.of(totalPages);
  }
}
