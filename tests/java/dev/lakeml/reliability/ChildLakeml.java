package dev.lakeml.reliability;

import dev.lakeml.TestSpark;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code lakeml} process (a child JVM, as {@code ./scripts/lakeml} starts it) for tests that
 * kill it, race two of them or read everything it printed. Output (stdout and stderr) goes to a file.
 */
final class ChildLakeml {
  final Process process;
  final Path log;

  private ChildLakeml(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * A project folder for child runs: {@code conf/} copied from the repository, {@code data/flights}
   * with the dimension files linked and the first {@code pagesPerDay} pages of each day of the
   * bundled pulls, and {@code jobs/<name>.conf} with {@code specBody}.
   */
  static Path project(Path dir, String name, String specBody, int pagesPerDay) throws IOException {
    Path repo = TestSpark.projectDir();
    Files.createDirectories(dir.resolve("conf"));
    try (Stream<Path> files = Files.list(repo.resolve("conf"))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve("conf").resolve(f.getFileName()));
      }
    }
    Path flights = Files.createDirectories(dir.resolve("data/flights"));
    for (String f : List.of("airports.csv", "state_timezones.csv")) {
      Files.createSymbolicLink(flights.resolve(f), repo.resolve("data/flights").resolve(f));
    }
    try (Stream<Path> days = Files.list(repo.resolve("data/flights/pulls"))) {
      for (Path day : days.sorted().toList()) {
        Path to = Files.createDirectories(flights.resolve("pulls").resolve(day.getFileName()));
        try (Stream<Path> pages = Files.list(day)) {
          for (Path page : pages.sorted().limit(pagesPerDay).toList()) {
            Files.copy(page, to.resolve(page.getFileName()));
          }
        }
      }
    }
    Files.createDirectories(dir.resolve("jobs"));
    Files.writeString(dir.resolve("jobs").resolve(name + ".conf"), specBody);
    return dir;
  }

  /** Starts {@code lakeml <args>} with the project folder {@code project}; {@code env} is added to the environment. */
  static ChildLakeml start(Path project, Path logDir, Map<String, String> env, String... args) throws IOException {
    Path repo = TestSpark.projectDir();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(javaFlags(repo.resolve("scripts/java-flags")));
    cmd.add("-Dlog4j2.configurationFile=" + repo.resolve("conf/log4j2.properties"));
    cmd.add("-Dlakeml.project.dir=" + project);
    cmd.add("-cp");
    cmd.add(classpath(repo));
    cmd.add("dev.lakeml.cli.Lakeml");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("LAKEML_ROOT");
    pb.environment().remove("LAKEML_PAUSE_AT");
    pb.environment().putAll(env);
    Files.createDirectories(logDir);
    Path log = Files.createTempFile(logDir, "lakeml-" + args[0] + "-", ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new ChildLakeml(pb.start(), log);
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the exit; the exit code, or -1 after {@code seconds}. */
  int await(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no finally block runs in the child. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
    return process.exitValue();
  }

  private static Path classesSnapshot;

  /**
   * target/classes as it was when the first child started, copied: a recompile while the test runs
   * must not change the code of later children halfway through.
   */
  static synchronized String classpath(Path repo) throws IOException {
    Path runtime = repo.resolve("target/runtime.classpath");
    if (!Files.exists(runtime)) {
      return System.getProperty("java.class.path");
    }
    if (classesSnapshot == null) {
      Path from = repo.resolve("target/classes");
      Path to = dev.lakeml.TestSpark.tempDir("child-classes-");
      try (Stream<Path> all = Files.walk(from)) {
        for (Path p : all.toList()) {
          Path target = to.resolve(from.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else {
            Files.copy(p, target);
          }
        }
      }
      classesSnapshot = to;
    }
    return classesSnapshot + File.pathSeparator + Files.readString(runtime).strip();
  }

  static List<String> javaFlags(Path file) throws IOException {
    List<String> flags = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)(?<=\\s|\\()(-[-A-Za-z+][^\\s)]*)").matcher(Files.readString(file));
    while (m.find()) {
      flags.add(m.group(1));
    }
    return flags;
  }
}
