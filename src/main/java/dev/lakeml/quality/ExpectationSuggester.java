package dev.lakeml.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Deequ's constraint suggestions, as {@code expectations} lines ready to paste into a pipeline spec.
 * A suggestion with no equivalent rule is kept as a comment, so nothing is silently dropped.
 */
public final class ExpectationSuggester {
  private static final Pattern CALL = Pattern.compile("^\\.(\\w+)\\(\"([^\"]+)\"(.*)\\)$", Pattern.DOTALL);
  private static final Pattern AT_LEAST = Pattern.compile("_ >= ([0-9.Ee-]+)");
  private static final Pattern ARRAY = Pattern.compile("Array\\(([^)]*)\\)");
  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  private ExpectationSuggester() {}

  /** Suggested expectations for {@code data}, one spec line each (comments where none fits). */
  public static List<String> suggest(Dataset<Row> data) {
    List<String> out = new ArrayList<>();
    for (DeequChecks.Suggestion s : DeequChecks.suggest(data)) {
      if (s.column().startsWith("_")) {
        continue; // lineage columns (_source_file, _record_index, ...) are not the table's contract
      }
      out.add(translate(s.code(), s.description()));
    }
    return out;
  }

  /** One Deequ suggestion ({@code .isComplete("id")} ...) as a spec line. Pure: tested without Spark. */
  static String translate(String deequCode, String description) {
    String why = "   # " + description;
    Matcher m = CALL.matcher(deequCode.strip());
    if (!m.matches()) {
      return "# not translated: " + deequCode + why;
    }
    String method = m.group(1);
    String column = m.group(2);
    String rest = m.group(3);
    Matcher atLeast = AT_LEAST.matcher(rest);
    return switch (method) {
      case "isComplete" -> "{ rule = not_null, column = " + column + ", action = quarantine }" + why;
      case "hasCompleteness" ->
          atLeast.find()
              ? "{ rule = completeness, column = " + column + ", min = " + atLeast.group(1) + ", action = warn }" + why
              : "# not translated: " + deequCode + why;
      case "isUnique" -> "{ rule = unique, column = " + column + ", action = fail }" + why;
      case "isNonNegative" -> "{ rule = range, column = " + column + ", min = 0, action = quarantine }" + why;
      case "isContainedIn" -> {
        List<String> values = new ArrayList<>();
        Matcher array = ARRAY.matcher(rest);
        Matcher q = QUOTED.matcher(array.find() ? array.group(1) : "");
        while (q.find()) {
          values.add("\"" + q.group(1) + "\"");
        }
        String action = atLeast.find() ? "warn" : "quarantine";
        yield "{ rule = allowed_values, column = " + column + ", values = [" + String.join(", ", values) + "], action = " + action + " }" + why;
      }
      default -> "# not translated: " + deequCode + why;
    };
  }

}
