package io.outrigger.controlplane.telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * A latency histogram as Envoy's metrics service sends it: bucket upper bounds in milliseconds with
 * cumulative counts (Prometheus shape), and the total count including the samples above the last
 * bound.
 */
public record LatencyHistogram(
    List<Double> upperBoundsMs, List<Long> cumulativeCounts, long count) {
  public static final LatencyHistogram EMPTY = new LatencyHistogram(List.of(), List.of(), 0);

  public LatencyHistogram {
    upperBoundsMs = List.copyOf(upperBoundsMs);
    cumulativeCounts = List.copyOf(cumulativeCounts);
    if (upperBoundsMs.size() != cumulativeCounts.size()) {
      throw new IllegalArgumentException(
          "latency histogram: "
              + upperBoundsMs.size()
              + " bounds but "
              + cumulativeCounts.size()
              + " counts");
    }
  }

  /**
   * What was recorded after {@code earlier}: per-bucket differences. Envoy keeps the same buckets
   * for a histogram's lifetime; when they differ, or a count went down (the proxy restarted), this
   * one is taken whole, as counted from zero.
   */
  public LatencyHistogram since(LatencyHistogram earlier) {
    if (!earlier.upperBoundsMs.equals(upperBoundsMs) || earlier.count > count) {
      return this;
    }
    List<Long> counts = new ArrayList<>(cumulativeCounts.size());
    for (int i = 0; i < cumulativeCounts.size(); i++) {
      counts.add(Math.max(0, cumulativeCounts.get(i) - earlier.cumulativeCounts.get(i)));
    }
    return new LatencyHistogram(upperBoundsMs, counts, count - earlier.count);
  }

  /**
   * The sum of two histograms over the same buckets (two proxies of one workload); else the larger.
   */
  public LatencyHistogram plus(LatencyHistogram other) {
    if (count == 0) {
      return other;
    }
    if (other.count == 0 || !other.upperBoundsMs.equals(upperBoundsMs)) {
      return this;
    }
    List<Long> counts = new ArrayList<>(cumulativeCounts.size());
    for (int i = 0; i < cumulativeCounts.size(); i++) {
      counts.add(cumulativeCounts.get(i) + other.cumulativeCounts.get(i));
    }
    return new LatencyHistogram(upperBoundsMs, counts, count + other.count);
  }

  /**
   * The {@code q} quantile (0..1) in milliseconds, interpolated linearly inside its bucket as
   * Prometheus' histogram_quantile does; null without samples. Above the last bound: the last
   * bound.
   */
  public Double quantile(double q) {
    if (count <= 0 || upperBoundsMs.isEmpty()) {
      return null;
    }
    double rank = q * count;
    long below = 0;
    double lower = 0;
    for (int i = 0; i < upperBoundsMs.size(); i++) {
      long cumulative = cumulativeCounts.get(i);
      double upper = upperBoundsMs.get(i);
      if (cumulative >= rank && cumulative > below) {
        return lower + (upper - lower) * (rank - below) / (cumulative - below);
      }
      below = cumulative;
      lower = upper;
    }
    return upperBoundsMs.get(upperBoundsMs.size() - 1);
  }
}
