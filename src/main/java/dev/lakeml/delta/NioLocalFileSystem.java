package dev.lakeml.delta;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}) without a child process per file operation.
 *
 * <p>Without Hadoop's native library (libhadoop, which Maven does not ship), {@link RawLocalFileSystem}
 * runs {@code chmod} in a new process for each file and folder it creates, and {@code readlink} for
 * each {@code getFileLinkStatus}, which {@code FileContext.rename} asks for twice: Delta's
 * {@code HDFSLogStore} renames every commit file that way. A process start costs ~10 ms from a JVM,
 * and the demo pipeline made 1,361 of them (BENCHMARKS.md, "Process starts"). This file system does
 * the same two things in Java (NIO) and is Hadoop's own otherwise: files, checksums, renames and
 * listings are untouched. Symbolic links, sticky bits, non-POSIX disks and machines with the native
 * library keep Hadoop's own code.
 *
 * <p>{@link Sessions#baseConf} sets it for {@code fs.file.impl} (FileSystem) and, with {@link Fs},
 * for {@code fs.AbstractFileSystem.file.impl} (FileContext).
 */
public class NioLocalFileSystem extends LocalFileSystem {
  public NioLocalFileSystem() {
    super(new Raw());
  }

  /** {@link RawLocalFileSystem} with {@code chmod} and {@code readlink} done in Java. */
  public static class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      java.nio.file.Path file = pathToFile(p).toPath();
      PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (NativeIO.isAvailable() || view == null || permission.getStickyBit()) {
        super.setPermission(p, permission);
        return;
      }
      try {
        view.setPermissions(posix(permission));
      } catch (java.nio.file.NoSuchFileException e) { // Hadoop's file systems say FileNotFoundException
        throw (java.io.FileNotFoundException) new java.io.FileNotFoundException("File " + p + " does not exist").initCause(e);
      }
    }

    /**
     * As Hadoop's: the status of the path itself, not of what a link points to. Hadoop asks
     * {@code readlink} first and, when the path is no link, returns {@link #getFileStatus}; Java
     * answers whether it is a link without a process. A link keeps Hadoop's code.
     */
    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
      if (Files.isSymbolicLink(pathToFile(f).toPath())) {
        return super.getFileLinkStatus(f);
      }
      return getFileStatus(f);
    }
  }

  /** The {@code FileContext} side ({@code fs.AbstractFileSystem.file.impl}): Hadoop's {@code LocalFs} over {@link Raw}. */
  public static class Fs extends ChecksumFs {
    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** Hadoop's {@code RawLocalFs} (whose constructors are not public) over {@link Raw}. */
  static class RawFs extends DelegateToFileSystem {
    RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new Raw(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    @Override
    @SuppressWarnings("deprecation")
    public FsServerDefaults getServerDefaults() throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public FsServerDefaults getServerDefaults(Path f) throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }

  /** The POSIX bits of {@code permission} (no sticky bit: {@link Raw#setPermission} leaves that to Hadoop). */
  static Set<PosixFilePermission> posix(FsPermission permission) {
    return PosixFilePermissions.fromString(permission.toString()); // FsPermission prints "rwxr-x---"
  }
}
