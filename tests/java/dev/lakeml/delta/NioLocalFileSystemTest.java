package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.TestSpark;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local file system every session uses does what Hadoop's does (permissions, link status, a
 * rename that refuses to replace a commit file) without starting a process per file.
 */
class NioLocalFileSystemTest {
  @TempDir Path dir;

  private static final SparkSession SPARK = TestSpark.session();

  private static Configuration conf() {
    return SPARK.sparkContext().hadoopConfiguration();
  }

  @Test
  void everySessionUsesItForFileSystemAndFileContext() throws Exception {
    assertInstanceOf(NioLocalFileSystem.class, FileSystem.get(URI.create("file:///"), conf()));
    assertInstanceOf(NioLocalFileSystem.Fs.class, FileContext.getFileContext(URI.create("file:///"), conf()).getDefaultFileSystem());
  }

  @Test
  void permissionsAreSetAsHadoopsChmodSetsThem() throws Exception {
    FileSystem fs = FileSystem.get(URI.create("file:///"), conf());
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("f.txt").toUri());
    fs.create(file).close();
    for (String mode : List.of("0644", "0755", "0600", "0777", "0000")) {
      fs.setPermission(file, new FsPermission(Short.parseShort(mode, 8)));
      assertEquals(PosixFilePermissions.toString(NioLocalFileSystem.posix(new FsPermission(Short.parseShort(mode, 8)))),
          PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("f.txt"))), mode);
      assertEquals(new FsPermission(Short.parseShort(mode, 8)), fs.getFileStatus(file).getPermission(), mode + " as Hadoop reads it back");
    }
    assertEquals("rwxr-x---", PosixFilePermissions.toString(NioLocalFileSystem.posix(new FsPermission((short) 0750))));
    // A missing file: an IOException as with Hadoop's chmod, of the type Hadoop's file systems use for it.
    org.apache.hadoop.fs.Path missing = new org.apache.hadoop.fs.Path(dir.resolve("missing.txt").toUri());
    NioLocalFileSystem.Raw raw = new NioLocalFileSystem.Raw();
    raw.initialize(URI.create("file:///"), new Configuration());
    assertThrows(java.io.FileNotFoundException.class, () -> raw.setPermission(missing, new FsPermission((short) 0644)));
  }

  @Test
  void linkStatusIsHadoopsForFilesMissingPathsAndLinks() throws Exception {
    Path target = Files.writeString(dir.resolve("target.json"), "{}");
    Path link = Files.createSymbolicLink(dir.resolve("link.json"), target);
    RawLocalFileSystem hadoops = new RawLocalFileSystem();
    hadoops.initialize(URI.create("file:///"), new Configuration());
    NioLocalFileSystem.Raw ours = new NioLocalFileSystem.Raw();
    ours.initialize(URI.create("file:///"), new Configuration());
    for (Path p : List.of(target, link, dir)) {
      for (org.apache.hadoop.fs.Path hp : List.of(new org.apache.hadoop.fs.Path(p.toString()), new org.apache.hadoop.fs.Path(p.toUri()))) {
        FileStatus expected = hadoops.getFileLinkStatus(hp);
        FileStatus actual = ours.getFileLinkStatus(hp);
        assertEquals(expected.isSymlink(), actual.isSymlink(), hp.toString());
        assertEquals(expected.isDirectory(), actual.isDirectory(), hp.toString());
        assertEquals(expected.getLen(), actual.getLen(), hp.toString());
        assertEquals(expected.getPath(), actual.getPath(), hp.toString());
        if (expected.isSymlink()) {
          assertEquals(expected.getSymlink(), actual.getSymlink(), hp.toString());
        }
      }
    }
    assertTrue(ours.getFileLinkStatus(new org.apache.hadoop.fs.Path(link.toString())).isSymlink(), "a link given as a plain path is a link");
    org.apache.hadoop.fs.Path missing = new org.apache.hadoop.fs.Path(dir.resolve("missing").toUri());
    assertThrows(java.io.FileNotFoundException.class, () -> hadoops.getFileLinkStatus(missing));
    assertThrows(java.io.FileNotFoundException.class, () -> ours.getFileLinkStatus(missing));
  }

  /** What Delta's HDFSLogStore relies on for a commit: a rename that fails when the version exists. */
  @Test
  void aRenameWithoutOverwriteRefusesAnExistingFile() throws Exception {
    FileContext fc = FileContext.getFileContext(URI.create("file:///"), conf());
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(Files.writeString(dir.resolve(".1.json.tmp"), "mine").toUri());
    org.apache.hadoop.fs.Path commit = new org.apache.hadoop.fs.Path(Files.writeString(dir.resolve("1.json"), "theirs").toUri());
    assertThrows(FileAlreadyExistsException.class, () -> fc.rename(tmp, commit, Options.Rename.NONE));
    assertEquals("theirs", Files.readString(dir.resolve("1.json")));
    org.apache.hadoop.fs.Path free = new org.apache.hadoop.fs.Path(dir.resolve("2.json").toUri());
    fc.rename(tmp, free, Options.Rename.NONE);
    assertEquals("mine", Files.readString(dir.resolve("2.json")));
    assertFalse(Files.exists(dir.resolve(".1.json.tmp")));
  }

  @Test
  void deltaWritesStartNoProcess() throws Exception {
    String table = dir.resolve("t").toString();
    List<String> started = new ArrayList<>();
    Path jfr = dir.resolve("events.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ProcessStart");
      recording.start();
      SPARK.range(100).write().format("delta").save(table);
      SPARK.range(10).write().format("delta").mode("append").save(table);
      recording.stop();
      recording.dump(jfr);
    }
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      started.add(e.getString("command"));
    }
    assertEquals(List.of(), started, "processes started by two Delta commits");
    assertEquals(110, SPARK.read().format("delta").load(table).count());
  }
}
