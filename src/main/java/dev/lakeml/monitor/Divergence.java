package dev.lakeml.monitor;

/**
 * Distances between a reference and a current distribution over the same slots (bins or
 * categories), given as counts. Empty slots are floored at {@link #FLOOR} so a bin that one side
 * never saw gives a large, finite value instead of infinity.
 */
public final class Divergence {
  static final double FLOOR = 1e-4;

  private Divergence() {}

  /** Population stability index: sum of (a - e) * ln(a / e) over slots, on shares. */
  public static double psi(long[] reference, long[] current) {
    double[] e = shares(reference);
    double[] a = shares(current);
    double sum = 0;
    for (int i = 0; i < e.length; i++) {
      double ei = Math.max(e[i], FLOOR);
      double ai = Math.max(a[i], FLOOR);
      sum += (ai - ei) * Math.log(ai / ei);
    }
    return sum;
  }

  /** Jensen-Shannon divergence with base-2 logarithms: 0 for identical, 1 for disjoint distributions. */
  public static double jensenShannon(long[] reference, long[] current) {
    double[] p = shares(reference);
    double[] q = shares(current);
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      double m = (p[i] + q[i]) / 2;
      if (p[i] > 0) {
        sum += 0.5 * p[i] * Math.log(p[i] / m);
      }
      if (q[i] > 0) {
        sum += 0.5 * q[i] * Math.log(q[i] / m);
      }
    }
    return Math.max(0, sum / Math.log(2));
  }

  static double[] shares(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = total == 0 ? 0 : (double) counts[i] / total;
    }
    return out;
  }

  /** ok, warn or alarm for a value against its thresholds. */
  public static String status(double value, double warn, double alarm) {
    return value >= alarm ? "alarm" : value >= warn ? "warn" : "ok";
  }
}
