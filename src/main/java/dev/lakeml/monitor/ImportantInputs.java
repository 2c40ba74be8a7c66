package dev.lakeml.monitor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model version's global importances (registered per slot of the assembled feature vector, e.g.
 * {@code distance_imp}, {@code origin_idx} or the one-hot {@code origin_oh_ATL}) summed back to the
 * model inputs they came from, as shares of the total.
 */
public final class ImportantInputs {
  private ImportantInputs() {}

  /**
   * The share of the total importance per input, in {@code inputs} order. Without recorded
   * importances (or all zero) every input gets an equal share, so no input is silently ignored.
   */
  public static Map<String, Double> shares(Map<String, Double> slotImportances, List<String> inputs) {
    Map<String, Double> sums = new LinkedHashMap<>();
    double total = 0;
    for (String input : inputs) {
      double sum = 0;
      for (Map.Entry<String, Double> e : slotImportances.entrySet()) {
        if (slotOf(e.getKey(), input)) {
          sum += Math.abs(e.getValue());
        }
      }
      sums.put(input, sum);
      total += sum;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String input : inputs) {
      out.put(input, total > 0 ? sums.get(input) / total : 1.0 / inputs.size());
    }
    return out;
  }

  /** Whether a vector slot was built from {@code input}: itself, its index or imputed column, or a one-hot slot. */
  static boolean slotOf(String slot, String input) {
    return slot.equals(input) || slot.equals(input + "_idx") || slot.equals(input + "_imp") || slot.equals(input + "_oh") || slot.startsWith(input + "_oh_");
  }
}
