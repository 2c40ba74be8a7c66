package dev.lakeml.ingest.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which requests {@link ReplayApiServer} answers with a {@link Fault}: an immutable, ordered list
 * of rules. A request takes the fault of the first rule that matches it and still has uses left.
 *
 * <p>Counting starts when the plan is installed on a server ({@link
 * ReplayApiServer#setFaultPlan}, or at start for {@link ReplayApiServer.Builder#faultPlan}):
 * "request #3" is the third flights request after that, and "the first 2 times" of a page counts
 * only requests after that. Only requests that pass auth and parameter checks are counted (a 401
 * or 400 takes no fault).
 *
 * <p>The JSON form, accepted by {@code POST /admin/faults} and {@link #fromJson(String)}:
 *
 * <pre>{@code
 * {"rules": [
 *   {"fault": "RATE_LIMIT_429", "request": 1, "retry_after_seconds": 1},
 *   {"fault": "SLOW", "date": "2001-01-15", "page": 2, "times": 1, "delay_ms": 3000},
 *   {"fault": "HTML_ERROR_PAGE", "page": 3, "times": 2, "status": 502},
 *   {"fault": "TRUNCATED_BODY", "date": "2001-01-16", "page": 1},
 *   {"fault": "REPEAT_PREVIOUS_PAGE_RECORDS", "date": "2001-01-15", "page": 2, "times": 100}
 * ]}
 * }</pre>
 *
 * A rule has either {@code request} or {@code page} (with an optional {@code date}; without it any
 * date matches). {@code times} defaults to 1.
 */
public final class FaultPlan {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final FaultPlan NONE = new FaultPlan(List.of());

  private final List<Rule> rules;

  private FaultPlan(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** A plan that injects nothing. */
  public static FaultPlan none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Rule> rules() {
    return rules;
  }

  /**
   * One rule: the request number it hits, or the date (null: any) and page it hits and how many
   * times.
   *
   * @param requestNumber the request it hits, from 1, counted from the plan's install; 0 for a page
   *     rule
   * @param date the date a page rule hits, or null for any date
   * @param page the page a page rule hits, from 1; 0 for a request rule
   * @param times how many matching requests get the fault (1 for a request rule)
   * @param fault the fault
   */
  public record Rule(int requestNumber, LocalDate date, int page, int times, Fault fault) {
    public Rule {
      Objects.requireNonNull(fault, "fault");
      if ((requestNumber > 0) == (page > 0) || requestNumber < 0 || page < 0) {
        throw new IllegalArgumentException(
            "Cannot make a fault rule: give either a request number or a page (both >= 1), got"
                + " request " + requestNumber + " and page " + page);
      }
      if (requestNumber > 0 && date != null) {
        throw new IllegalArgumentException(
            "Cannot make a fault rule: a request-number rule takes no date, got " + date);
      }
      if (times < 1) {
        throw new IllegalArgumentException(
            "Cannot make a fault rule: times must be >= 1, got " + times);
      }
    }

    boolean matches(int request, LocalDate requestDate, int requestPage) {
      if (requestNumber > 0) {
        return requestNumber == request;
      }
      return page == requestPage && (date == null || date.equals(requestDate));
    }
  }

  /** Collects rules in order. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();

    private Builder() {}

    /** The {@code n}-th request (from 1) after the plan is installed gets {@code fault}. */
    public Builder onRequest(int n, Fault fault) {
      rules.add(new Rule(n, null, 0, 1, fault));
      return this;
    }

    /** The first request for {@code page} of {@code date} (null: any date) gets {@code fault}. */
    public Builder onPage(LocalDate date, int page, Fault fault) {
      return onPage(date, page, 1, fault);
    }

    /** The first {@code times} requests for {@code page} of {@code date} get {@code fault}. */
    public Builder onPage(LocalDate date, int page, int times, Fault fault) {
      rules.add(new Rule(0, date, page, times, fault));
      return this;
    }

    public FaultPlan build() {
      return rules.isEmpty() ? NONE : new FaultPlan(rules);
    }
  }

  /** Reads the JSON form described above; errors name the rule and the field. */
  public static FaultPlan fromJson(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot read fault plan: it is not valid JSON (" + e.getOriginalMessage()
              + "). Send {\"rules\": [...]}");
    }
    if (root == null || !root.path("rules").isArray()) {
      throw new IllegalArgumentException(
          "Cannot read fault plan: it needs a 'rules' array. Send {\"rules\": [...]}, or"
              + " {\"rules\": []} for none");
    }
    Builder b = builder();
    JsonNode rules = root.get("rules");
    for (int i = 0; i < rules.size(); i++) {
      b.rules.add(ruleFromJson("rules[" + i + "]", rules.get(i)));
    }
    return b.build();
  }

  private static Rule ruleFromJson(String at, JsonNode r) {
    String kindName = r.path("fault").asText("");
    FaultKind kind;
    try {
      kind = FaultKind.valueOf(kindName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Cannot read fault plan: " + at + ".fault must be one of "
              + Arrays.stream(FaultKind.values()).map(Enum::name).collect(Collectors.joining(", "))
              + ", got '" + kindName + "'");
    }
    try {
      Fault fault =
          switch (kind) {
            case RATE_LIMIT_429 -> Fault.rateLimit(r.path("retry_after_seconds").asInt(1));
            case SERVER_ERROR_500 -> Fault.serverError();
            case SLOW -> Fault.slow(java.time.Duration.ofMillis(r.path("delay_ms").asLong(0)));
            case TRUNCATED_BODY -> Fault.truncatedBody();
            case HTML_ERROR_PAGE -> Fault.htmlErrorPage(r.path("status").asInt(502));
            case REPEAT_PREVIOUS_PAGE_RECORDS -> Fault.repeatPreviousPageRecords();
          };
      LocalDate date = r.hasNonNull("date") ? LocalDate.parse(r.get("date").asText()) : null;
      return new Rule(
          r.path("request").asInt(0), date, r.path("page").asInt(0), r.path("times").asInt(1),
          fault);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new IllegalArgumentException("Cannot read fault plan: " + at + ": " + e.getMessage(),
          e);
    }
  }

  /** The JSON form of this plan, as {@code POST /admin/faults} takes it. */
  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode array = root.putArray("rules");
    for (Rule rule : rules) {
      ObjectNode r = array.addObject();
      r.put("fault", rule.fault().kind().name());
      if (rule.requestNumber() > 0) {
        r.put("request", rule.requestNumber());
      } else {
        if (rule.date() != null) {
          r.put("date", rule.date().toString());
        }
        r.put("page", rule.page());
        r.put("times", rule.times());
      }
      switch (rule.fault().kind()) {
        case RATE_LIMIT_429 -> r.put("retry_after_seconds", rule.fault().retryAfterSeconds());
        case SLOW -> r.put("delay_ms", rule.fault().delay().toMillis());
        case HTML_ERROR_PAGE -> r.put("status", rule.fault().status());
        default -> { }
      }
    }
    return root.toString();
  }

  @Override
  public String toString() {
    return "FaultPlan" + toJson();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FaultPlan other && rules.equals(other.rules);
  }

  @Override
  public int hashCode() {
    return rules.hashCode();
  }
}
