package dev.lakeml.jobs;

/**
 * One stage of a pipeline: read its inputs at pinned Delta versions, call the stage's logic, write,
 * and report what it did. Implementations are idempotent: run twice on the same inputs, the second
 * run changes nothing.
 */
public interface Job {
  /** The stage name, also the launcher's subcommand. */
  String name();

  /** One line for the launcher's usage text. */
  String usage();

  /** Command-line options this stage reads from {@link JobContext#options()} (besides --force). */
  default java.util.Set<String> options() {
    return java.util.Set.of();
  }

  StageResult run(JobContext ctx);
}
