package dev.lakeml.jobs;

/**
 * One stage of a pipeline: read its inputs at pinned Delta versions, call the stage's logic, write,
 * and report what it did. Implementations are idempotent: run twice on the same inputs, the second
 * run changes nothing.
 */
public interface Job {
  /** The stage name, also the launcher's subcommand. */
  String name();

  StageResult run(JobContext ctx);
}
