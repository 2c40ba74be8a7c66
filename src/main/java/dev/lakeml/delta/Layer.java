package dev.lakeml.delta;

import java.util.Locale;

/** The lakehouse zones; each is a database in the catalog and a folder under the root. */
public enum Layer {
  BRONZE,
  SILVER,
  GOLD,
  OPS;

  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
