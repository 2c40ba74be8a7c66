package dev.lakeml.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.lakeml.Errors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads one object of a HOCON file into typed values, remembering which keys were read so that
 * {@link #finish()} can reject the ones nobody asked for (typos must not pass silently).
 */
final class ConfigReader {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Config config;
  private final String file;
  private final String prefix;
  private final Set<String> read = new LinkedHashSet<>();

  ConfigReader(Config config, String file, String prefix) {
    this.config = config;
    this.file = file;
    this.prefix = prefix;
  }

  String file() {
    return file;
  }

  String path(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  boolean has(String key) {
    read.add(key);
    return config.hasPath(key);
  }

  String string(String key) {
    read.add(key);
    if (!config.hasPath(key)) {
      throw Errors.config(file, path(key), "is required but missing.");
    }
    try {
      return config.getString(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a string" + at(key) + ".");
    }
  }

  String string(String key, String defaultValue) {
    return has(key) ? string(key) : defaultValue;
  }

  String identifier(String key) {
    return identifier(key, null);
  }

  String identifier(String key, String defaultValue) {
    String value = defaultValue == null ? string(key) : string(key, defaultValue);
    if (!IDENTIFIER.matcher(value).matches()) {
      throw Errors.config(
          file,
          path(key),
          "must be a SQL identifier (letters, digits, underscore; not starting with a digit), got '"
              + value
              + "'"
              + at(key)
              + ".");
    }
    return value;
  }

  <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
    String raw = string(key, defaultValue == null ? null : name(defaultValue));
    if (raw == null) {
      throw Errors.config(file, path(key), "is required but missing.");
    }
    for (E e : type.getEnumConstants()) {
      if (name(e).equals(raw.toLowerCase(Locale.ROOT).replace('-', '_'))) {
        return e;
      }
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(name(e));
    }
    throw Errors.config(
        file, path(key), "must be one of " + String.join(", ", allowed) + ", got '" + raw + "'" + at(key) + ".");
  }

  static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  int integer(String key, int defaultValue, int min, int max) {
    if (!has(key)) {
      return defaultValue;
    }
    int value;
    try {
      value = config.getInt(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a whole number" + at(key) + ".");
    }
    if (value < min || value > max) {
      throw Errors.config(
          file, path(key), "must be between " + min + " and " + max + ", got " + value + at(key) + ".");
    }
    return value;
  }

  double number(String key, double defaultValue, double min, double max) {
    if (!has(key)) {
      return defaultValue;
    }
    double value;
    try {
      value = config.getDouble(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a number" + at(key) + ".");
    }
    if (value < min || value > max) {
      throw Errors.config(
          file, path(key), "must be between " + min + " and " + max + ", got " + value + at(key) + ".");
    }
    return value;
  }

  /** A duration in whole days, e.g. {@code "14 days"} or {@code 14d}. */
  int days(String key, int defaultValue) {
    if (!has(key)) {
      return defaultValue;
    }
    java.time.Duration d;
    try {
      d = config.getDuration(key);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a duration in days, e.g. \"14 days\"" + at(key) + ".");
    }
    if (d.isNegative() || d.toSeconds() % 86400 != 0) {
      throw Errors.config(file, path(key), "must be a whole number of days, e.g. \"14 days\", got " + d + at(key) + ".");
    }
    return (int) d.toDays();
  }

  boolean bool(String key, boolean defaultValue) {
    if (!has(key)) {
      return defaultValue;
    }
    try {
      return config.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be true or false" + at(key) + ".");
    }
  }

  List<String> strings(String key) {
    if (!has(key)) {
      return List.of();
    }
    try {
      return List.copyOf(config.getStringList(key));
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a list of strings" + at(key) + ".");
    }
  }

  List<String> identifiers(String key) {
    List<String> values = strings(key);
    for (String v : values) {
      if (!IDENTIFIER.matcher(v).matches()) {
        throw Errors.config(file, path(key), "must list SQL identifiers, got '" + v + "'" + at(key) + ".");
      }
    }
    return values;
  }

  /** A nested object; its unknown keys are checked when the caller calls finish() on it. */
  ConfigReader object(String key) {
    read.add(key);
    if (!config.hasPath(key)) {
      return new ConfigReader(com.typesafe.config.ConfigFactory.empty(), file, path(key));
    }
    try {
      return new ConfigReader(config.getConfig(key), file, path(key));
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be an object { ... }" + at(key) + ".");
    }
  }

  List<ConfigReader> objects(String key) {
    if (!has(key)) {
      return List.of();
    }
    List<? extends Config> list;
    try {
      list = config.getConfigList(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be a list of objects [ { ... } ]" + at(key) + ".");
    }
    List<ConfigReader> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(new ConfigReader(list.get(i), file, path(key) + "[" + i + "]"));
    }
    return out;
  }

  /** An open map of scalar values (Spark settings, estimator parameters), keys kept as written. */
  Map<String, String> map(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!has(key)) {
      return out;
    }
    ConfigObject object;
    try {
      object = config.getObject(key);
    } catch (ConfigException.WrongType e) {
      throw Errors.config(file, path(key), "must be an object { ... }" + at(key) + ".");
    }
    flatten("", object, out, key);
    return out;
  }

  private void flatten(String base, ConfigObject object, Map<String, String> out, String key) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      String name = base.isEmpty() ? e.getKey() : base + "." + e.getKey();
      ConfigValue v = e.getValue();
      if (v.valueType() == ConfigValueType.OBJECT) {
        flatten(name, (ConfigObject) v, out, key);
      } else if (v.valueType() == ConfigValueType.LIST || v.valueType() == ConfigValueType.NULL) {
        throw Errors.config(file, path(key) + "." + name, "must be a string, number or boolean.");
      } else {
        out.put(name, String.valueOf(v.unwrapped()));
      }
    }
  }

  /** Rejects keys of this object that no accessor read. */
  void finish() {
    Set<String> unknown = new TreeSet<>(config.root().keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      String key = unknown.iterator().next();
      int line = config.root().get(key).origin().lineNumber();
      throw Errors.unknownKey(file, line, path(key), read);
    }
  }

  private String at(String key) {
    int line = config.hasPath(key) ? config.getValue(key).origin().lineNumber() : -1;
    return line > 0 ? " (line " + line + ")" : "";
  }
}
