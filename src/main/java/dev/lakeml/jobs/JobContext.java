package dev.lakeml.jobs;

import dev.lakeml.config.PipelineSpec;
import dev.lakeml.config.Settings;
import dev.lakeml.delta.Lakehouse;
import dev.lakeml.delta.Layer;
import dev.lakeml.delta.TableId;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Everything a job may use: configuration, the lakehouse, the run's id and the command options. */
public record JobContext(
    Settings settings, PipelineSpec spec, Lakehouse lakehouse, String runId, Map<String, String> options, PrintStream out) {

  public TableId bronze() {
    return TableId.of(Layer.BRONZE, spec.bronzeTable());
  }

  public TableId silver(String table) {
    return TableId.of(Layer.SILVER, table);
  }

  public TableId gold(String table) {
    return TableId.of(Layer.GOLD, table);
  }

  public String option(String name, String defaultValue) {
    return options.getOrDefault(name, defaultValue);
  }

  public boolean flag(String name) {
    return options.containsKey(name);
  }

  /** A path from the spec: relative paths are taken from the project directory. */
  public String resolvePath(String path) {
    if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return path;
    }
    return settings.projectDir().resolve(path).normalize().toString();
  }

  /** A short stable hash of a spec section: a changed spec means derived tables must be rebuilt. */
  public static String hash(Object specSection) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(String.valueOf(specSection).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public void say(String line) {
    out.println(line);
    out.flush();
  }
}
