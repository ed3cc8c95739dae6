package io.outrigger.testsupport.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The part of a request soak (webhook, CA) that is not its load: samples of the serving JVM 5 s
 * before the end of every minute (heap after GC, threads, load average; its largest classes in the
 * first and the last), the per-minute tables, the SUMMARY line and the verdict: no failed request,
 * the last minute's p99 within 25 % (or 2 ms) of the first's, heap after GC and threads within 10
 * %.
 */
public final class SoakVerdict {
  /** One sample of the serving JVM. */
  public record Sample(int minute, long heapBytes, int threads, String load) {}

  private final JvmProbe probe;
  private final String what;
  private final int minutes;
  private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

  /**
   * Starts sampling {@code probe}'s JVM, named {@code what} in the output, for the minutes that
   * start at {@code startNanos}.
   */
  public SoakVerdict(JvmProbe probe, String what, long startNanos, int minutes) {
    this.probe = probe;
    this.what = what;
    this.minutes = minutes;
    for (int m = 1; m <= minutes; m++) {
      int minute = m;
      long delay =
          startNanos + Duration.ofMinutes(m).toNanos() - System.nanoTime() - 5_000_000_000L;
      sampler.schedule(() -> sample(minute), Math.max(0, delay), TimeUnit.NANOSECONDS);
    }
  }

  private void sample(int minute) {
    try {
      samples.add(
          new Sample(minute, probe.heapAfterGcBytes(), probe.threads(), JvmProbe.loadAverage()));
      if (minute == 1 || minute == minutes) {
        System.out.println(what + " heap, minute " + minute + ":\n" + probe.topClasses(15));
      }
    } catch (Exception e) {
      System.out.println("sample of minute " + minute + " failed: " + e);
    }
  }

  /**
   * Waits for the last sample, prints the tables and the SUMMARY line ({@code unit}: what a request
   * is, e.g. "reviews") and returns the failures (empty: passed).
   */
  public List<String> judge(List<SoakMinutes.Minute> result, String unit)
      throws InterruptedException {
    sampler.shutdown();
    sampler.awaitTermination(2, TimeUnit.MINUTES);
    List<Sample> taken = List.copyOf(samples);
    System.out.println(SoakMinutes.HEADER);
    result.forEach(m -> System.out.println(m.row()));
    System.out.println(
        "| minute | " + what + " heap after GC (5 s before its end) | threads | load average |");
    System.out.println("|---|---|---|---|");
    taken.forEach(
        s ->
            System.out.printf(
                "| %d | %s | %d | %s |%n",
                s.minute(), JvmProbe.mib(s.heapBytes()), s.threads(), s.load()));
    SoakMinutes.Minute first = result.get(0);
    SoakMinutes.Minute last = result.get(result.size() - 1);
    long errors = result.stream().mapToLong(SoakMinutes.Minute::errors).sum();
    long requests = result.stream().mapToLong(SoakMinutes.Minute::requests).sum();
    List<String> failures = new ArrayList<>();
    double p99 = JvmProbe.change(first.p99Ms(), last.p99Ms());
    if (p99 > 0.25 && last.p99Ms() - first.p99Ms() > 2.0) {
      failures.add(String.format("p99 rose %.2f -> %.2f ms", first.p99Ms(), last.p99Ms()));
    }
    if (errors > 0) {
      failures.add(errors + " " + unit + " failed");
    }
    String heap = "no samples";
    if (taken.size() >= 2) {
      Sample a = taken.get(0);
      Sample b = taken.get(taken.size() - 1);
      double h = JvmProbe.change(a.heapBytes(), b.heapBytes());
      double th = JvmProbe.change(a.threads(), b.threads());
      heap =
          String.format(
              "%s -> %s (%+.1f %%), threads %d -> %d (%+.1f %%)",
              JvmProbe.mib(a.heapBytes()),
              JvmProbe.mib(b.heapBytes()),
              h * 100,
              a.threads(),
              b.threads(),
              th * 100);
      if (Math.abs(h) > 0.10 || Math.abs(th) > 0.10) {
        failures.add("heap after GC or threads changed more than 10 %: " + heap);
      }
    } else {
      failures.add("fewer than 2 heap samples");
    }
    System.out.printf(
        "SUMMARY %d %s in %d min (%.0f/s), %d failed; minute 1 -> %d: %.0f/s p99 %.2f ms -> %.0f/s"
            + " p99 %.2f ms (%+.1f %%); %s heap after GC %s%n",
        requests,
        unit,
        minutes,
        requests / (minutes * 60.0),
        errors,
        minutes,
        first.perSecond(),
        first.p99Ms(),
        last.perSecond(),
        last.p99Ms(),
        p99 * 100,
        what,
        heap);
    failures.forEach(f -> System.out.println("FAILURE " + f));
    return failures;
  }
}
