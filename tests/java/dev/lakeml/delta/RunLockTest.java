package dev.lakeml.delta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that ends normally empties its lock files; one that dies holding them (SIGKILL) leaves its
 * description there, and the next run to take any of those locks learns about it once.
 * (The kill itself, in a child JVM, is in {@code CrashSafetyTest}; this checks the bookkeeping.)
 */
class RunLockTest {
  @TempDir Path root;

  @Test
  void aRunThatEndedNormallyLeavesNothingBehind() {
    try (RunLock first = RunLock.acquire(root.toString(), "flights", List.of("ingest", "refine"), RunLock.describe("run", "r1"))) {
      assertEquals(List.of(), first.abandoned(), "a fresh root");
    }
    try (RunLock second = RunLock.acquire(root.toString(), "flights", List.of("refine"), RunLock.describe("refine", "r2"))) {
      assertEquals(List.of(), second.abandoned(), "r1 released its locks");
    }
  }

  @Test
  void aRunThatDiedHoldingItsLocksIsReportedOnceWithItsIdCommandAndStart() throws Exception {
    Instant since = Instant.parse("2026-11-23T05:00:00.123Z");
    String dead = RunLock.describe("run", "20261123T050000Z-dead0001") + " (pid 4242 on worker-1, since " + since + ")";
    // What SIGKILL leaves: the kernel dropped the locks, the files still name their holder.
    for (String stage : List.of("ingest", "refine", "score")) {
      Files.createDirectories(RunLock.file(root, "flights", stage).getParent());
      Files.writeString(RunLock.file(root, "flights", stage), dead + "\n");
    }
    try (RunLock next = RunLock.acquire(root.toString(), "flights", List.of("ingest", "refine", "score"), RunLock.describe("run", "r3"))) {
      List<RunLock.Abandoned> found = next.abandoned();
      assertEquals(List.of(new RunLock.Abandoned("run", "20261123T050000Z-dead0001", 4242, "worker-1", since)), found, "once, though it held three locks");
      assertTrue(Files.readString(RunLock.file(root, "flights", "refine")).startsWith("lakeml run run r3 (pid " + ProcessHandle.current().pid()), "the file now names the holder");
    }
    try (RunLock after = RunLock.acquire(root.toString(), "flights", List.of("ingest", "refine", "score"), RunLock.describe("run", "r4"))) {
      assertEquals(List.of(), after.abandoned(), "reported by r3 only");
    }
  }

  @Test
  void aLockFileWrittenByAnotherToolIsNotMistakenForARun() throws Exception {
    Files.createDirectories(RunLock.file(root, "flights", "train").getParent());
    Files.writeString(RunLock.file(root, "flights", "train"), "held by something else\n");
    try (RunLock l = RunLock.acquire(root.toString(), "flights", List.of("train"), RunLock.describe("train", "r5"))) {
      assertEquals(List.of(), l.abandoned());
    }
  }
}
