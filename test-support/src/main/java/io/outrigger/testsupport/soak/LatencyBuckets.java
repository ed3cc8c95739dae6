package io.outrigger.testsupport.soak;

/**
 * Log-linear latency buckets in nanoseconds, as HdrHistogram lays them out with 7 significant bits:
 * values below 128 ns each have their own bucket; above, every power of two is split into 128 equal
 * buckets, so a percentile read from the buckets is within 1/128 (0.8 %) of the true value. Values
 * of 2^40 ns (18 minutes) and more share the last bucket. {@value #COUNT} buckets: 35 KB a
 * histogram.
 */
final class LatencyBuckets {

  private static final int SUB_BITS = 7;
  private static final int SUB = 1 << SUB_BITS;
  private static final int MAX_EXPONENT = 40;

  /** Number of buckets of a histogram. */
  static final int COUNT = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;

  private LatencyBuckets() {}

  /** The bucket of a latency of {@code nanos} (≥ 0). */
  static int index(long nanos) {
    if (nanos < SUB) {
      return (int) nanos;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(nanos);
    if (exponent > MAX_EXPONENT) {
      return COUNT - 1;
    }
    int shift = exponent - SUB_BITS;
    int top = (int) (nanos >>> shift); // in [SUB, 2 * SUB)
    return SUB + shift * SUB + (top - SUB);
  }

  /** The largest latency that falls in bucket {@code index}. */
  static long highest(int index) {
    if (index < SUB) {
      return index;
    }
    int shift = (index - SUB) / SUB;
    long top = SUB + (index - SUB) % SUB;
    return ((top + 1) << shift) - 1;
  }

  /**
   * Nearest-rank percentile {@code p} of a histogram holding {@code total} values, in milliseconds:
   * the highest value of the bucket holding that rank, never above the exact maximum; NaN when
   * empty.
   */
  static double percentileMs(long[] histogram, long total, double p, long maxNanos) {
    if (total == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
    long seen = 0;
    for (int i = 0; i < histogram.length; i++) {
      seen += histogram[i];
      if (seen >= rank) {
        return Math.min(highest(i), maxNanos) / 1e6;
      }
    }
    return maxNanos / 1e6;
  }
}
