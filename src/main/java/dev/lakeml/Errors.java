package dev.lakeml;

import java.util.Collection;

/** The one place that words user-facing errors: what went wrong, why, and how to fix it. */
public final class Errors {
  private Errors() {}

  public static LakemlException usage(String message) {
    return new LakemlException(message, null, 2);
  }

  public static LakemlException config(String file, String key, String problem) {
    return new LakemlException(
        "Cannot load " + file + ": key '" + key + "' " + problem, null, 2);
  }

  public static LakemlException unknownKey(String file, int line, String key, Collection<String> known) {
    String where = line > 0 ? " (line " + line + ")" : "";
    return new LakemlException(
        "Cannot load "
            + file
            + ": unknown key '"
            + key
            + "'"
            + where
            + ". Keys allowed here: "
            + String.join(", ", known)
            + ".",
        null,
        2);
  }

  public static LakemlException tableMissing(String table, String root) {
    return new LakemlException(
        "Cannot read table "
            + table
            + ": it does not exist under lakehouse root "
            + root
            + ". Run the job that writes it first (e.g. ./scripts/lakeml run), or check --root.");
  }

  public static LakemlException versionMissing(String table, long requested, long earliest, long latest) {
    return new LakemlException(
        "Cannot read table "
            + table
            + " at version "
            + requested
            + ": versions "
            + earliest
            + " to "
            + latest
            + " are available"
            + (requested < earliest ? " (older files were removed by VACUUM)" : "")
            + ". Use --version "
            + earliest
            + " to "
            + latest
            + ".");
  }

  public static LakemlException checksFailed(String table, String details) {
    return new LakemlException(
        "Cannot write "
            + table
            + ": error-level data quality checks failed, nothing was committed.\n"
            + details
            + "\nSee ops.quality_results for every check of this run.");
  }

  /** A Delta conflict that was not (or no longer) retried: nothing of this write was committed. */
  public static LakemlException commitConflict(String table, int attempts, String conflict, String detail) {
    return new LakemlException(
        "Cannot commit to "
            + table
            + ": another writer changed it while this run was writing ("
            + conflict
            + (attempts > 0 ? ", still after " + attempts + " attempts" : "; an overwrite computed from an older version is never retried")
            + "). Nothing of this write was committed. Run the command again once the other writer is done. Delta said: "
            + detail);
  }
}
