package dev.lakeml.observe;

/**
 * How far one feature has drifted from its reference distribution, by one metric.
 *
 * @param feature feature (column) name
 * @param metric drift metric, e.g. {@code psi} (population stability index) or {@code js}
 *     (Jensen-Shannon distance)
 * @param value the metric's value
 * @param status the verdict of the drift monitor that computed the value
 */
public record DriftValue(String feature, String metric, double value, Status status) {

  /** The drift monitor's verdict. */
  public enum Status {
    OK,
    WARN,
    ALARM
  }

  public DriftValue {
    Checks.notBlank(feature, "drift feature name");
    Checks.notBlank(metric, "drift metric of feature " + feature);
    Checks.notNull(status, "drift status of feature " + feature);
  }
}
