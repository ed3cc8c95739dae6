package io.outrigger.testsupport.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Latencies of a soak run kept per minute, so that the first and the last minute can be compared (a
 * p99 that creeps up over ten minutes is a leak or a queue that grows). Each load thread records
 * into its own {@link Recorder}; nothing is shared while the load runs.
 */
public final class SoakMinutes {

  /** One minute of requests: count, failures, throughput and latency percentiles. */
  public record Minute(
      int index, long requests, long errors, double p50Ms, double p99Ms, double maxMs) {
    public double perSecond() {
      return requests / 60.0;
    }

    public String row() {
      return String.format(
          "| %d | %d | %d | %.0f | %.2f | %.2f | %.1f |",
          index + 1, requests, errors, perSecond(), p50Ms, p99Ms, maxMs);
    }
  }

  public static final String HEADER =
      "| minute | requests | errors | per s | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|";

  private final long startNanos;
  private final int minutes;
  private final List<Recorder> recorders = new CopyOnWriteArrayList<>();

  /** Minute 0 starts at {@code startNanos} ({@link System#nanoTime()}); later ones are dropped. */
  public SoakMinutes(long startNanos, int minutes) {
    this.startNanos = startNanos;
    this.minutes = minutes;
  }

  /** A recorder for one load thread. */
  public Recorder recorder() {
    Recorder r = new Recorder();
    recorders.add(r);
    return r;
  }

  /** Per-thread latencies, one growing array per minute. */
  public final class Recorder {
    private final long[][] latencies = new long[minutes][];
    private final int[] counts = new int[minutes];
    private final long[] errors = new long[minutes];

    private Recorder() {}

    /** A request sent at {@code sentNanos} answered (or failed) at {@code doneNanos}. */
    public void record(long sentNanos, long doneNanos, boolean ok) {
      int m = (int) ((sentNanos - startNanos) / 60_000_000_000L);
      if (m < 0 || m >= minutes) {
        return;
      }
      if (!ok) {
        errors[m]++;
      }
      long[] a = latencies[m];
      if (a == null) {
        a = latencies[m] = new long[4096];
      } else if (counts[m] == a.length) {
        a = latencies[m] = Arrays.copyOf(a, a.length * 2);
      }
      a[counts[m]++] = doneNanos - sentNanos;
    }
  }

  /** Every minute's figures; call after the load threads have ended. */
  public List<Minute> minutes() {
    List<Minute> out = new ArrayList<>();
    for (int m = 0; m < minutes; m++) {
      int total = 0;
      long errors = 0;
      for (Recorder r : recorders) {
        total += r.counts[m];
        errors += r.errors[m];
      }
      long[] all = new long[total];
      int at = 0;
      for (Recorder r : recorders) {
        if (r.counts[m] > 0) {
          System.arraycopy(r.latencies[m], 0, all, at, r.counts[m]);
          at += r.counts[m];
        }
      }
      Arrays.sort(all);
      out.add(new Minute(m, total, errors, pct(all, 50), pct(all, 99), pct(all, 100)));
    }
    return out;
  }

  /** Nearest-rank percentile in milliseconds; NaN when empty. */
  static double pct(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)] / 1e6;
  }
}
