package dev.lakeml.delta;

import dev.lakeml.LakemlException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One run of a stage per lakehouse root and pipeline at a time: {@code <root>/_locks/<pipeline>.<stage>.lock},
 * an operating-system file lock held for the whole command. A second process that wants a held
 * stage is refused at once with the holder named (exit code 3), so two runs of one job never
 * interleave; runs of different stages take different locks and run side by side. The kernel
 * releases the lock when its process dies, so a killed run never blocks the next one.
 *
 * <p>Only local roots (a path or {@code file:}) are locked: on {@code s3a://} Delta's default log
 * store allows one writing cluster anyway ({@link StorageSafety}), and on {@code hdfs://} Delta's
 * commit (atomic rename) rejects a conflicting commit, which {@link Lakehouse#write} explains.
 */
public final class RunLock implements AutoCloseable {
  /** The exit code of a command refused because the same stage is running: not a failure of the data. */
  public static final int REFUSED = 3;
  private static final java.util.regex.Pattern HOLDER =
      java.util.regex.Pattern.compile("lakeml (\\S+) run (\\S+) \\(pid (\\d+) on (.*), since (\\S+)\\)");
  private final List<LockFile> held;

  private RunLock(List<LockFile> held) {
    this.held = held;
  }

  /**
   * A run that died holding one of these locks (SIGKILL, out of memory, power loss): the lock file
   * still named it when this process took the lock, because a run that ends normally empties it.
   */
  public record Abandoned(String command, String runId, long pid, String host, Instant since) {}

  /** The runs that died holding any of these locks, each once (a run holds one lock per stage). */
  public List<Abandoned> abandoned() {
    java.util.Map<String, Abandoned> out = new java.util.LinkedHashMap<>();
    for (LockFile l : held) {
      java.util.regex.Matcher m = HOLDER.matcher(l.previousHolder());
      if (m.matches()) {
        Instant since;
        try {
          since = Instant.parse(m.group(5));
        } catch (java.time.format.DateTimeParseException e) {
          since = null;
        }
        out.putIfAbsent(m.group(2), new Abandoned(m.group(1), m.group(2), Long.parseLong(m.group(3)), m.group(4), since));
      }
    }
    return List.copyOf(out.values());
  }

  /** The holder description {@link #acquire} writes: {@code lakeml <command> run <run-id>}. */
  public static String describe(String command, String runId) {
    return "lakeml " + command + " run " + runId;
  }

  /**
   * Takes the locks of {@code stages} (all or none), describing this process with {@code what} (the
   * command and run id) for anyone refused.
   */
  public static RunLock acquire(String root, String pipeline, List<String> stages, String what) {
    Optional<Path> local = LockFile.localRoot(root);
    if (local.isEmpty()) {
      return new RunLock(List.of());
    }
    String holder = what + " (pid " + ProcessHandle.current().pid() + " on " + host() + ", since " + Instant.now() + ")";
    List<LockFile> held = new ArrayList<>();
    try {
      for (String stage : stages.stream().distinct().sorted().toList()) {
        Path file = file(local.get(), pipeline, stage);
        Optional<LockFile> l = LockFile.tryAcquire(file, holder);
        if (l.isEmpty()) {
          held.forEach(LockFile::close);
          throw new LakemlException(
              "Cannot start " + stage + " of pipeline " + pipeline + " on " + root + ": it is already running in " + LockFile.holder(file)
                  + ". Nothing was changed by this process. Wait for that run to end (a killed run releases its lock at once) and run again.",
              null,
              REFUSED);
        }
        held.add(l.get());
      }
    } catch (IOException e) {
      held.forEach(LockFile::close);
      throw new UncheckedIOException("Cannot take the run lock under " + root + "/_locks: " + e.getMessage(), e);
    }
    return new RunLock(held);
  }

  static Path file(Path root, String pipeline, String stage) {
    return root.resolve("_locks").resolve(pipeline + "." + stage + ".lock");
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return ManagementFactory.getRuntimeMXBean().getName();
    }
  }

  @Override
  public void close() {
    held.forEach(LockFile::close);
  }
}
