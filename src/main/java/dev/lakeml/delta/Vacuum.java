package dev.lakeml.delta;

import dev.lakeml.LakemlException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Delta VACUUM of lakehouse tables behind two guards. VACUUM deletes the data files that the
 * latest version no longer uses and that were replaced more than the retention ago; the versions
 * that read them can then no longer be read (time travel, {@code replay}). So:
 *
 * <ol>
 *   <li>the retention may not be shorter than the configured time-travel horizon
 *       ({@code maintenance.time-travel-horizon-hours});
 *   <li>no version that something recorded still needs (a {@link Pin}: a registered model's
 *       training snapshot, a scoring run's inputs and output) may lose files: if the files of a
 *       pinned version were replaced longer ago than the retention, nothing is vacuumed and the
 *       refusal names the version, who needs it and the retention that would keep it.
 * </ol>
 */
public final class Vacuum {
  /** A table version that must stay readable, and why. */
  public record Pin(TableId table, long version, String neededBy) {}

  /** What vacuum did (or, in a dry run, would do) to one table. */
  public record Outcome(TableId table, long filesDeleted) {}

  private Vacuum() {}

  /** Commits that may remove data files (conservative: anything but appends and metadata-only operations). */
  static final String REMOVES_FILES =
      "operation NOT IN ('SET TBLPROPERTIES', 'UNSET TBLPROPERTIES', 'ADD COLUMNS', 'CHANGE COLUMN', 'VACUUM START', 'VACUUM END', 'STREAMING UPDATE', 'CREATE TABLE')"
          + " AND NOT (operation = 'WRITE' AND operationParameters['mode'] = 'Append')";

  /** Checks both guards at {@code now}; returns the refusal, or null when the vacuum is safe. */
  public static String refusal(Lakehouse lakehouse, double retainHours, int horizonHours, List<Pin> pins, Instant now) {
    if (retainHours < horizonHours) {
      return String.format(
          "Cannot vacuum with a retention of %s hours: the time-travel horizon is %d hours (maintenance.time-travel-horizon-hours in conf/), "
              + "and versions younger than it must stay readable. Use --retain-hours %d or more, or lower the horizon in conf/.",
          fmt(retainHours), horizonHours, horizonHours);
    }
    List<String> broken = new ArrayList<>();
    double needed = 0;
    for (Pin p : pins) {
      if (!lakehouse.exists(p.table())) {
        continue;
      }
      // The files of version v are first removed by the oldest later commit that removes files:
      // VACUUM may delete them once that commit is older than the retention. Appends and
      // metadata-only commits (catalog docs) remove nothing.
      Row next = lakehouse.history(p.table()).filter("version > " + p.version()).filter(REMOVES_FILES).selectExpr("min(timestamp)").first();
      if (next.isNullAt(0)) {
        continue; // the pinned version is the latest: nothing of it can be vacuumed
      }
      double ageHours = Duration.between(next.getTimestamp(0).toInstant(), now).toSeconds() / 3600.0;
      if (ageHours > retainHours) {
        broken.add(String.format("%s v%d (needed by %s; its files were replaced %.1f hours ago)", p.table(), p.version(), p.neededBy(), ageHours));
        needed = Math.max(needed, ageHours);
      }
    }
    if (broken.isEmpty()) {
      return null;
    }
    return String.format(
        "Cannot vacuum with a retention of %s hours: it would delete files of versions still needed: %s. Nothing was vacuumed. "
            + "Use --retain-hours %d or more to keep them.",
        fmt(retainHours), String.join("; ", broken), (long) Math.ceil(needed));
  }

  /** Vacuums {@code tables} after {@link #refusal} found nothing; a dry run only lists. */
  public static List<Outcome> run(Lakehouse lakehouse, List<TableId> tables, double retainHours, int horizonHours, List<Pin> pins, boolean dryRun) {
    String refusal = refusal(lakehouse, retainHours, horizonHours, pins, Instant.now());
    if (refusal != null) {
      throw new LakemlException(refusal, null, 2);
    }
    var conf = lakehouse.spark().conf();
    String check = "spark.databricks.delta.retentionDurationCheck.enabled";
    String checkBefore = conf.get(check, "true");
    // Delta's own check refuses retentions under 7 days; ours (above) is the one that knows the pins.
    // (VACUUM lists a table's files in Sessions.LISTING_PARALLELISM tasks, set for every session.)
    conf.set(check, "false");
    try {
      List<Outcome> out = new ArrayList<>();
      for (TableId t : tables) {
        String sql = "VACUUM delta.`" + lakehouse.path(t).replace("`", "``") + "` RETAIN " + fmt(retainHours) + " HOURS";
        long files = lakehouse.spark().sql(sql + " DRY RUN").count();
        if (!dryRun && files > 0) {
          lakehouse.spark().sql(sql).collect();
        }
        out.add(new Outcome(t, files));
      }
      return out;
    } finally {
      conf.set(check, checkBefore);
    }
  }

  private static String fmt(double hours) {
    return hours == Math.rint(hours) ? String.valueOf((long) hours) : String.valueOf(hours);
  }
}
