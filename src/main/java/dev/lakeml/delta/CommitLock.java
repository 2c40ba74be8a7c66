package dev.lakeml.delta;

import dev.lakeml.LakemlException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises commits to one table of a local root across processes: {@code <root>/_locks/tables/<layer>.<table>.lock}
 * is held from the snapshot a write reads to its commit. Delta's local log store is safe for
 * concurrent writers only inside one JVM (its put-if-absent is a JVM lock and a rename), so two
 * lakeml processes appending to a shared table such as {@code ops.runs} would otherwise risk one
 * commit overwriting the other. Waits (up to {@link #WAIT}) instead of failing: holders are short.
 */
final class CommitLock implements AutoCloseable {
  static final long WAIT = TimeUnit.MINUTES.toNanos(30);
  private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();
  private final ReentrantLock jvm;
  private final LockFile file;

  private CommitLock(ReentrantLock jvm, LockFile file) {
    this.jvm = jvm;
    this.file = file;
  }

  /** Null for roots that are not local (nothing to lock). */
  static CommitLock acquire(String root, TableId table) {
    Optional<Path> local = LockFile.localRoot(root);
    if (local.isEmpty()) {
      return null;
    }
    Path path = local.get().toAbsolutePath().normalize().resolve("_locks").resolve("tables").resolve(table.layer().dbName() + "." + table.name() + ".lock");
    ReentrantLock jvm = IN_JVM.computeIfAbsent(path, p -> new ReentrantLock());
    jvm.lock();
    long deadline = System.nanoTime() + WAIT;
    try {
      while (true) {
        Optional<LockFile> f = LockFile.tryAcquire(path, "commit to " + table + " by pid " + ProcessHandle.current().pid());
        if (f.isPresent()) {
          return new CommitLock(jvm, f.get());
        }
        if (System.nanoTime() > deadline) {
          throw new LakemlException("Cannot commit to " + table + ": " + LockFile.holder(path) + " has held its commit lock for 30 minutes. Is that process hung?");
        }
        Thread.sleep(50);
      }
    } catch (IOException e) {
      jvm.unlock();
      throw new LakemlException("Cannot take the commit lock of " + table + " under " + root + "/_locks: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      jvm.unlock();
      Thread.currentThread().interrupt();
      throw new LakemlException("Interrupted while waiting for the commit lock of " + table + ".", e);
    } catch (RuntimeException e) {
      jvm.unlock();
      throw e;
    }
  }

  @Override
  public void close() {
    file.close();
    jvm.unlock();
  }
}
