package io.outrigger.injector.bench;

import io.outrigger.testsupport.soak.JvmProbe;
import io.outrigger.testsupport.soak.SoakMinutes;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak of the injection webhook (issue 13): the benchmark's load ({@link WebhookLoad}: 32
 * closed-loop HTTPS clients, the same AdmissionReview, the server in its own JVM as {@code
 * outrigger webhook} runs) for {@code bench.soakMinutes} (10) after a warm-up, with latencies kept
 * per minute and the server's heap after GC and threads sampled at the end of every minute. Passes
 * when no request failed, the last minute's p99 is within 25 % (or 2 ms) of the first's, and the
 * heap after GC within 10 %. Exit status 1 otherwise.
 *
 * <p>Run: {@code bench/soak.sh webhook} (bench/README.md).
 */
public final class WebhookSoak {
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
  private static final int MINUTES = Integer.getInteger("bench.soakMinutes", 10);
  private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmup", 30));
  /** Bound on requests in all, far above what 2 cores serve in the time. */
  private static final long MAX_REQUESTS = 50_000_000L;

  private WebhookSoak() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("outrigger-webhook-soak-");
    boolean passed;
    try {
      Path cert = dir.resolve("tls.crt");
      Path key = dir.resolve("tls.key");
      WebhookLoad.openssl(cert, key);
      try (ForkedServer server = ForkedServer.start(cert, key, dir);
          HttpClient client =
              HttpClient.newBuilder()
                  .sslContext(WebhookLoad.trusting(cert))
                  .version(HttpClient.Version.HTTP_1_1)
                  .connectTimeout(Duration.ofSeconds(5))
                  .build()) {
        HttpRequest inject =
            WebhookLoad.request(
                "https://127.0.0.1:" + server.port() + "/inject",
                WebhookLoad.resource("admission-review.json"));
        WebhookLoad.check(client, inject);
        System.out.printf(
            "date=%s concurrency=%d minutes=%d warmup=%s server pid=%d load=%s%n",
            Instant.now(), CONCURRENCY, MINUTES, WARMUP, server.pid(), JvmProbe.loadAverage());
        passed = soak(client, inject, new JvmProbe(server.pid()));
        System.out.println("server: " + server.describe());
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.println("RESULT webhook soak " + (passed ? "PASSED" : "FAILED"));
    System.exit(passed ? 0 : 1);
  }

  record Sample(int minute, long heapBytes, int threads, String load) {}

  private static boolean soak(HttpClient client, HttpRequest inject, JvmProbe server)
      throws Exception {
    long warmupEnd = System.nanoTime() + WARMUP.toNanos();
    long end = warmupEnd + Duration.ofMinutes(MINUTES).toNanos();
    SoakMinutes minutes = new SoakMinutes(warmupEnd, MINUTES);
    AtomicLong issued = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < CONCURRENCY; t++) {
      SoakMinutes.Recorder recorder = minutes.recorder();
      threads.add(
          Thread.ofPlatform()
              .name("soak-" + t)
              .start(
                  () -> {
                    while (System.nanoTime() < end && issued.incrementAndGet() <= MAX_REQUESTS) {
                      long sent = System.nanoTime();
                      boolean ok;
                      try {
                        ok =
                            client.send(inject, HttpResponse.BodyHandlers.ofByteArray()).statusCode()
                                == 200;
                      } catch (Exception e) {
                        ok = false;
                      }
                      recorder.record(sent, System.nanoTime(), ok);
                    }
                  }));
    }
    List<Sample> samples = new ArrayList<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    for (int m = 1; m <= MINUTES; m++) {
      int minute = m;
      long delay = warmupEnd + Duration.ofMinutes(m).toNanos() - System.nanoTime() - 5_000_000_000L;
      sampler.schedule(
          () -> {
            try {
              samples.add(
                  new Sample(minute, server.heapAfterGcBytes(), server.threads(), JvmProbe.loadAverage()));
              if (minute == 1 || minute == MINUTES) {
                System.out.println("server heap, minute " + minute + ":\n" + server.topClasses(15));
              }
            } catch (Exception e) {
              System.out.println("sample of minute " + minute + " failed: " + e);
            }
          },
          Math.max(0, delay),
          TimeUnit.NANOSECONDS);
    }
    for (Thread t : threads) {
      t.join(Duration.ofMinutes(MINUTES).toMillis() + WARMUP.toMillis() + 60_000);
    }
    sampler.shutdown();
    sampler.awaitTermination(2, TimeUnit.MINUTES);

    List<SoakMinutes.Minute> result = minutes.minutes();
    System.out.println(SoakMinutes.HEADER);
    result.forEach(m -> System.out.println(m.row()));
    System.out.println("| minute | server heap after GC (5 s before its end) | server threads | load average |");
    System.out.println("|---|---|---|---|");
    samples.forEach(
        s -> System.out.printf("| %d | %s | %d | %s |%n", s.minute(), JvmProbe.mib(s.heapBytes()),
            s.threads(), s.load()));

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
      failures.add(errors + " requests failed");
    }
    String heap = "no samples";
    if (samples.size() >= 2) {
      Sample a = samples.get(0);
      Sample b = samples.get(samples.size() - 1);
      double h = JvmProbe.change(a.heapBytes(), b.heapBytes());
      heap = String.format("%s -> %s (%+.1f %%), threads %d -> %d", JvmProbe.mib(a.heapBytes()),
          JvmProbe.mib(b.heapBytes()), h * 100, a.threads(), b.threads());
      if (Math.abs(h) > 0.10) {
        failures.add("server heap after GC changed " + heap);
      }
    } else {
      failures.add("fewer than 2 heap samples");
    }
    System.out.printf(
        "SUMMARY %d requests in %d min (%.0f/s), %d failed; minute 1 -> %d: %.0f/s p99 %.2f ms -> %.0f/s p99 %.2f ms (%+.1f %%); server heap after GC %s%n",
        requests, MINUTES, requests / (MINUTES * 60.0), errors, MINUTES, first.perSecond(),
        first.p99Ms(), last.perSecond(), last.p99Ms(), p99 * 100, heap);
    failures.forEach(f -> System.out.println("FAILURE " + f));
    return failures.isEmpty();
  }
}
