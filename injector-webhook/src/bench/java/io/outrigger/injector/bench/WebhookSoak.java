package io.outrigger.injector.bench;

import io.outrigger.testsupport.soak.JvmProbe;
import io.outrigger.testsupport.soak.SoakMinutes;
import io.outrigger.testsupport.soak.SoakVerdict;
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
    SoakVerdict verdict = new SoakVerdict(server, "server", warmupEnd, MINUTES);
    for (Thread t : threads) {
      t.join(Duration.ofMinutes(MINUTES).toMillis() + WARMUP.toMillis() + 60_000);
    }
    return verdict.judge(minutes.minutes(), "reviews").isEmpty();
  }
}
