package dev.lakeml.delta;

import dev.lakeml.Errors;
import java.util.Locale;

/** A table's name: {@code <layer>.<table>}, e.g. {@code silver.flights}. */
public record TableId(Layer layer, String name) {
  public TableId {
    if (!name.matches("[a-z_][a-z0-9_]*")) {
      throw Errors.usage(
          "Cannot use table name '" + name + "': use lower-case letters, digits and underscores.");
    }
  }

  public static TableId of(Layer layer, String name) {
    return new TableId(layer, name);
  }

  /** Parses {@code layer.table}; the message lists the layers when the prefix is wrong. */
  public static TableId parse(String qualified) {
    String[] parts = qualified.split("\\.");
    if (parts.length != 2) {
      throw Errors.usage(
          "Cannot use table '" + qualified + "': name it as <layer>.<table>, e.g. silver.flights.");
    }
    for (Layer l : Layer.values()) {
      if (l.dbName().equals(parts[0].toLowerCase(Locale.ROOT))) {
        return new TableId(l, parts[1].toLowerCase(Locale.ROOT));
      }
    }
    throw Errors.usage(
        "Cannot use table '" + qualified + "': layer '" + parts[0] + "' is not one of bronze, silver, gold, ops.");
  }

  @Override
  public String toString() {
    return layer.dbName() + "." + name;
  }
}
