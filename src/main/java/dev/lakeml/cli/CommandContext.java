package dev.lakeml.cli;

import dev.lakeml.Errors;
import dev.lakeml.config.PipelineSpec;
import dev.lakeml.config.Settings;
import dev.lakeml.delta.Lakehouse;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** What a command gets: its arguments, the loaded configuration and (if it asked) the lakehouse. */
public record CommandContext(
    String command, List<String> args, Map<String, String> options, Settings settings, PipelineSpec spec, Lakehouse lakehouse, PrintStream out) {

  public String option(String name, String defaultValue) {
    return options.getOrDefault(name, defaultValue);
  }

  public boolean flag(String name) {
    return options.containsKey(name);
  }

  /** The single positional argument, or a usage error naming the expected form. */
  public String arg(String usage) {
    if (args.size() != 1) {
      throw Errors.usage("Usage: lakeml " + usage + " (got " + args.size() + " arguments).");
    }
    return args.get(0);
  }

  public int intOption(String name, int defaultValue) {
    return (int) longOption(name, defaultValue);
  }

  public long longOption(String name, long defaultValue) {
    String raw = options.get(name);
    if (raw == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw Errors.usage("Option --" + name + " takes a whole number, got '" + raw + "'.");
    }
  }
}
