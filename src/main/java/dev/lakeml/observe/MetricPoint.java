package dev.lakeml.observe;

/**
 * One point of a history series drawn as a line chart in the run report, e.g. the AUC of each of
 * the last runs, or the row count of a table at each version.
 *
 * @param name the series the point belongs to, e.g. {@code auc}; points with the same name form one
 *     chart
 * @param label the point's position on the x axis, e.g. a table version or a run id; points are
 *     drawn in the order given
 * @param value the point's value
 */
public record MetricPoint(String name, String label, double value) {
  public MetricPoint {
    Checks.notBlank(name, "history series name");
    Checks.notNull(label, "label of a point in history series " + name);
  }
}
