package dev.lakeml.quality;

import dev.lakeml.config.CheckSpec;

/**
 * The verdict of one expectation on one candidate version of a table.
 *
 * @param check the expectation's name
 * @param rule the rule, e.g. {@code range}
 * @param action what a break does; only a broken {@code fail} expectation blocks the commit
 * @param passed whether no row (row rules) or the dataset (other rules) broke it
 * @param metric what was measured: the broken row count, a ratio, a relative change...
 * @param failingRows for row rules, how many rows broke it; {@code null} otherwise
 * @param message for people: what was found, and against which bound
 */
public record CheckOutcome(
    String check, CheckSpec.Rule rule, CheckSpec.Action action, boolean passed, Double metric, Long failingRows, String message) {

  public boolean blocking() {
    return !passed && action == CheckSpec.Action.FAIL;
  }
}
