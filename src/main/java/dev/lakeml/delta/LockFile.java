package dev.lakeml.delta;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An operating-system lock on a file under a local lakehouse root ({@code <root>/_locks/...}). The
 * kernel releases it when the holding process dies, SIGKILL included, so a crash never leaves a
 * stale lock behind. The file holds one line describing the holder, for the refusal message.
 */
final class LockFile implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;
  private final String previousHolder;

  private LockFile(FileChannel channel, FileLock lock, String previousHolder) {
    this.channel = channel;
    this.lock = lock;
    this.previousHolder = previousHolder;
  }

  /** The local folder of a root given as a path or a {@code file:} URI; empty for other schemes (s3a, hdfs). */
  static Optional<Path> localRoot(String root) {
    if (root.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") && !root.startsWith("file:")) {
      return Optional.empty();
    }
    return Optional.of(root.startsWith("file:") ? Path.of(URI.create(root.startsWith("file://") ? root : "file://" + root.substring(5))) : Path.of(root));
  }

  /**
   * Takes the lock without waiting; empty when another process (or another lock of this JVM)
   * holds it. On success, {@code holder} is written into the file; whatever the file held before
   * is kept as {@link #previousHolder()}: a holder that closed its lock emptied the file, so a
   * non-empty one names a process that died holding it (killed, or crashed).
   */
  static Optional<LockFile> tryAcquire(Path file, String holder) throws IOException {
    Files.createDirectories(file.getParent());
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      ch.close();
      return Optional.empty();
    }
    ByteBuffer before = ByteBuffer.allocate((int) Math.min(ch.size(), 64 * 1024));
    ch.read(before, 0);
    String previous = new String(before.array(), 0, before.position(), StandardCharsets.UTF_8).strip();
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    ch.force(false);
    return Optional.of(new LockFile(ch, l, previous));
  }

  /** What the file held when this process took the lock: empty unless the previous holder died holding it. */
  String previousHolder() {
    return previousHolder;
  }

  /** Who holds the lock, as its holder wrote it (best effort). */
  static String holder(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "another process" : s;
    } catch (IOException e) {
      return "another process";
    }
  }

  @Override
  public void close() {
    try {
      channel.truncate(0); // released cleanly: the next holder finds the file empty
    } catch (IOException e) {
      // the next holder will report this one as having died holding the lock: a false alarm, not a loss
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the process is the owner; the kernel drops the lock with the channel anyway
    }
  }
}
