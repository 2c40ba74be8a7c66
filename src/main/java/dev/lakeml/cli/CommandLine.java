package dev.lakeml.cli;

import dev.lakeml.Errors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The parsed command line: a command, its positional arguments and its {@code --options}. */
record CommandLine(String command, List<String> args, Map<String, String> options, Map<String, String> sparkConf, Map<String, String> settings) {
  static final Set<String> COMMON = Set.of("root", "env", "pipeline", "conf", "set", "verbose");
  static final Set<String> FLAGS = Set.of("verbose", "follow", "force", "help", "dry-run", "explain");

  static CommandLine parse(String[] argv, Map<String, Set<String>> optionsByCommand) {
    if (argv.length == 0) {
      return new CommandLine("help", List.of(), Map.of(), Map.of(), Map.of());
    }
    String command = argv[0];
    if (command.equals("--help") || command.equals("-h")) {
      command = "help";
    }
    Set<String> allowed = optionsByCommand.get(command);
    if (allowed == null) {
      throw Errors.usage("Unknown command '" + command + "'. Commands: " + String.join(", ", optionsByCommand.keySet()) + ".");
    }
    List<String> args = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> conf = new LinkedHashMap<>();
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 1; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) {
        args.add(a);
        continue;
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!COMMON.contains(name) && !allowed.contains(name) && !name.equals("help")) {
        throw Errors.usage("Unknown option --" + name + " for '" + command + "'. Run ./scripts/lakeml help " + command + ".");
      }
      if (FLAGS.contains(name)) {
        options.put(name, "true");
        continue;
      }
      if (value == null) {
        if (i + 1 >= argv.length) {
          throw Errors.usage("Option --" + name + " needs a value.");
        }
        value = argv[++i];
      }
      if (name.equals("conf") || name.equals("set")) {
        int kv = value.indexOf('=');
        if (kv <= 0) {
          throw Errors.usage("Option --" + name + " takes key=value, got '" + value + "'.");
        }
        (name.equals("conf") ? conf : settings).put(value.substring(0, kv), value.substring(kv + 1));
      } else {
        options.put(name, value);
      }
    }
    return new CommandLine(command, List.copyOf(args), options, conf, settings);
  }
}
