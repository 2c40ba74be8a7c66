package dev.lakeml.quality;

import dev.lakeml.config.CheckSpec;

/** The verdict of one declared check on one version of a table's data. */
public record CheckOutcome(String check, CheckSpec.Level level, boolean passed, Double metric, String message) {
  public boolean blocking() {
    return !passed && level == CheckSpec.Level.ERROR;
  }
}
