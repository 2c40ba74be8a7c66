package dev.lakeml.cli;

import java.util.Set;

/**
 * A launcher subcommand. To add one: implement this interface and list it in {@link Commands}.
 * The launcher parses the command line, loads the configuration and starts Spark before {@link #run}.
 */
public interface Command {
  /** The word after {@code lakeml}. */
  String name();

  /** One line for the usage text, e.g. {@code "history <layer.table>   the table's versions"}. */
  String usage();

  /** Options this command accepts besides the common ones (--root, --env, --pipeline, --conf, --verbose). */
  Set<String> options();

  /** Whether the command needs a SparkSession and the lakehouse (false for e.g. a pure HTTP client). */
  default boolean needsSpark() {
    return true;
  }

  /**
   * Whether the command reads tables by name (SQL, reports, servers): the launcher then registers
   * every table, applies the catalog docs and creates the curated views before {@link #run}. Jobs
   * read and write by path and answer false: with the embedded (in-memory) catalog, which dies with
   * the process, nobody could see those registrations (the tables a job writes are still registered
   * and documented as it writes them).
   */
  default boolean readsTablesByName() {
    return true;
  }

  /** Runs the command; returns the exit code. Throw {@link dev.lakeml.LakemlException} for user errors. */
  int run(CommandContext ctx) throws Exception;
}
