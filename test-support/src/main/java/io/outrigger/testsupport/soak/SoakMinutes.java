package io.outrigger.testsupport.soak;

import java.util.ArrayList;
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

  /**
   * Per-thread latencies: one fixed-size histogram per minute, all allocated here, before the load
   * starts, so that recording allocates nothing. The soak's subject may share the recorder's JVM
   * (the CA soak probes its own heap): a recorder that kept every latency grew the measured heap by
   * 8 bytes a call, 10 MB in a 1.3-million-call run.
   */
  public final class Recorder {
    private final long[][] histograms = new long[minutes][LatencyBuckets.COUNT];
    private final long[] errors = new long[minutes];
    private final long[] max = new long[minutes];

    private Recorder() {}

    /** A request sent at {@code sentNanos} answered (or failed) at {@code doneNanos}. */
    public void record(long sentNanos, long doneNanos, boolean ok) {
      long sinceStart = sentNanos - startNanos;
      if (sinceStart < 0 || sinceStart / 60_000_000_000L >= minutes) {
        return; // before the first minute (a division would round it into minute 0) or after the
        // last
      }
      int m = (int) (sinceStart / 60_000_000_000L);
      if (!ok) {
        errors[m]++;
      }
      long latency = Math.max(0, doneNanos - sentNanos);
      histograms[m][LatencyBuckets.index(latency)]++;
      max[m] = Math.max(max[m], latency);
    }
  }

  /** Every minute's figures; call after the load threads have ended. */
  public List<Minute> minutes() {
    List<Minute> out = new ArrayList<>();
    for (int m = 0; m < minutes; m++) {
      long[] merged = new long[LatencyBuckets.COUNT];
      long errors = 0;
      long max = 0;
      for (Recorder r : recorders) {
        long[] h = r.histograms[m];
        for (int i = 0; i < merged.length; i++) {
          merged[i] += h[i];
        }
        errors += r.errors[m];
        max = Math.max(max, r.max[m]);
      }
      long total = 0;
      for (long c : merged) {
        total += c;
      }
      out.add(
          new Minute(
              m,
              total,
              errors,
              LatencyBuckets.percentileMs(merged, total, 50, max),
              LatencyBuckets.percentileMs(merged, total, 99, max),
              total == 0 ? Double.NaN : max / 1e6));
    }
    return out;
  }
}
