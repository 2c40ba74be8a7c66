package dev.lakeml.quality;

import java.util.List;
import java.util.Map;

/**
 * Statistics of one column of one table version, as stored in {@code ops.table_profiles}.
 *
 * @param rows rows of the table version
 * @param completeness share of non-null values (0..1)
 * @param approxDistinct approximate number of distinct values (HyperLogLog)
 * @param min for numeric columns, else {@code null}; likewise {@code max}, {@code mean}, {@code stddev}
 * @param quantiles for numeric columns: approximate quantile by its level ({@code "0.5"} = median)
 * @param topValues for categorical (string, boolean) columns: the most frequent values, most frequent
 *     first; a null value is listed as {@code NullValue}
 */
public record ColumnProfile(
    String column,
    String type,
    long rows,
    double completeness,
    long approxDistinct,
    Double min,
    Double max,
    Double mean,
    Double stddev,
    Map<String, Double> quantiles,
    List<ValueCount> topValues) {

  public ColumnProfile {
    quantiles = Map.copyOf(quantiles);
    topValues = List.copyOf(topValues);
  }

  /** One value of a categorical column and how many rows hold it. */
  public record ValueCount(String value, long count) {}
}
