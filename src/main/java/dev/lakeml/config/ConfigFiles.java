package dev.lakeml.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import dev.lakeml.Errors;
import dev.lakeml.LakemlException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a config file by name: first in the project directory (a checkout), then on the classpath
 * (the spark-submit jar carries {@code conf/} and {@code jobs/} as resources), so the same command
 * works on a laptop and on a cluster node that has only the jar.
 */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** The project directory: system property lakeml.project.dir, else the working directory. */
  public static Path projectDir() {
    return Path.of(System.getProperty("lakeml.project.dir", ".")).toAbsolutePath().normalize();
  }

  static boolean exists(Path projectDir, String relative) {
    return Files.isRegularFile(projectDir.resolve(relative))
        || ConfigFiles.class.getClassLoader().getResource("lakeml/" + relative) != null;
  }

  /** Parses {@code relative} (e.g. conf/local.conf), resolving substitutions against the environment. */
  static Config parse(Path projectDir, String relative) {
    Path file = projectDir.resolve(relative);
    ConfigParseOptions options = ConfigParseOptions.defaults().setAllowMissing(false);
    try {
      Config parsed;
      if (Files.isRegularFile(file)) {
        parsed = ConfigFactory.parseFile(file.toFile(), options);
      } else {
        var resource = ConfigFiles.class.getClassLoader().getResourceAsStream("lakeml/" + relative);
        if (resource == null) {
          throw new LakemlException(
              "Cannot load " + relative + ": no such file in " + projectDir + " or in the jar.", null, 2);
        }
        try (Reader reader = new InputStreamReader(resource, StandardCharsets.UTF_8)) {
          parsed = ConfigFactory.parseReader(reader, options.setOriginDescription(relative));
        }
      }
      return parsed.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
    } catch (ConfigException e) {
      throw new LakemlException("Cannot load " + relative + ": " + e.getMessage(), null, 2);
    } catch (java.io.IOException e) {
      throw new LakemlException("Cannot load " + relative + ": " + e.getMessage(), e, 2);
    }
  }

  static LakemlException missing(String what, String relative, Path projectDir) {
    return Errors.usage("Cannot find " + what + " " + relative + " in " + projectDir + " or in the jar.");
  }
}
