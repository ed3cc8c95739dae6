package io.outrigger.istiocompat;

import io.outrigger.hostnet.ExecResult;
import io.outrigger.testsupport.NetnsPod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client in a pod sending requests the whole time a fault lasts: batches of {@link #BATCH}
 * requests (one curl run each, as the pod's app would send them) until {@link #stop} or its bounds,
 * counting every request sent and every one that did not get a 200 answer. Bounded in batches and
 * in time.
 */
final class TrafficLoop {
  static final int BATCH = 10;
  private static final Pattern CODE = Pattern.compile("\n--outrigger-reply-(\\d{3})--\n");

  /**
   * What the client saw: requests sent, those without a 200 answer, the first failure's words, how
   * long it ran, and whether it ran until stopped (rather than ending at a bound, before the fault
   * was over).
   */
  record Result(int sent, int failed, String firstFailure, Duration ran, boolean ranUntilStopped) {
    @Override
    public String toString() {
      return "requests sent "
          + sent
          + ", failed "
          + failed
          + " in "
          + ran.toSeconds()
          + " s"
          + (firstFailure == null ? "" : " (first: " + firstFailure + ")");
    }
  }

  /** What a test does to the mesh while the client sends. */
  interface Fault {
    void run() throws Exception;
  }

  private final AtomicBoolean stop = new AtomicBoolean();
  private final CompletableFuture<Result> result;
  private final Duration maxTime;

  private TrafficLoop(NetnsPod from, ServiceAddress to, int maxBatches, Duration maxTime) {
    this.maxTime = maxTime;
    // Its own thread, not the common pool: Commands.run reads each command's output on the common
    // pool,
    // which has one thread on two cores; a loop holding it starves every other command of the test.
    this.result = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("traffic-" + from.name())
        .start(
            () -> {
              try {
                result.complete(run(from, to, maxBatches, maxTime));
              } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
              }
            });
  }

  /**
   * Starts sending from {@code from} to {@code to} in the background, for at most {@code maxTime}.
   */
  static TrafficLoop start(NetnsPod from, ServiceAddress to, Duration maxTime) {
    return new TrafficLoop(from, to, (int) (maxTime.toSeconds() * 200), maxTime);
  }

  /**
   * Sends from {@code from} to {@code to} from 1 s before the fault until 1 s after it (or until
   * {@code maxTime}): the totals. A fault that throws stops the client and is rethrown.
   */
  static Result around(NetnsPod from, ServiceAddress to, Duration maxTime, Fault fault)
      throws Exception {
    TrafficLoop traffic = start(from, to, maxTime);
    try {
      Thread.sleep(1000);
      fault.run();
      Thread.sleep(1000);
    } catch (Exception | Error e) {
      traffic.stop();
      throw e;
    }
    return traffic.stop();
  }

  /** Stops after the batch in flight; the totals. */
  Result stop() {
    stop.set(true);
    try {
      return result.get(maxTime.toSeconds() + 40, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("traffic loop did not end", e);
    }
  }

  private Result run(NetnsPod from, ServiceAddress to, int maxBatches, Duration maxTime) {
    int sent = 0;
    int failed = 0;
    String first = null;
    long started = System.nanoTime();
    long deadline = started + maxTime.toNanos();
    for (int b = 0; b < maxBatches && !stop.get() && System.nanoTime() < deadline; b++) {
      ExecResult r = PodHttp.getMany(from, to, Map.of(), BATCH);
      int ok = 0;
      Matcher m = CODE.matcher(r.stdout());
      String bad = null;
      while (m.find()) {
        if (m.group(1).equals("200")) {
          ok++;
        } else if (bad == null) {
          bad = "HTTP " + m.group(1);
        }
      }
      sent += BATCH;
      if (ok < BATCH) {
        failed += BATCH - ok;
        if (first == null) {
          first =
              (bad != null ? bad : "no answer")
                  + " (curl exit "
                  + r.exitCode()
                  + ": "
                  + r.stderr().strip()
                  + ")";
        }
      }
    }
    return new Result(
        sent, failed, first, Duration.ofNanos(System.nanoTime() - started), stop.get());
  }
}
