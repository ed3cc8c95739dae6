package io.outrigger.injector.bench;

import io.outrigger.injector.inject.InjectorConfig;
import io.outrigger.injector.webhook.WebhookServer;
import io.outrigger.injector.webhook.WebhookSettings;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Load harness for the webhook: a closed loop of {@code CONCURRENCY} clients (JDK HttpClient over
 * HTTPS, HTTP/1.1 keep-alive) against the real server on 127.0.0.1, by default in its own JVM
 * started as {@code outrigger webhook} is ({@link ForkedServer}). Every phase is bounded in
 * requests and in time. The baseline is the same harness, the same body and the same TLS
 * connections against {@code POST /healthz} on the same server: transport cost without injection.
 *
 * <p>Run: {@code flock /tmp/outrigger-bench.lock ./mvnw -B -ntp -Pbench -Dbuild.suffix=-injperf
 * -pl injector-webhook -am -DskipTests verify}
 */
public final class WebhookLoad {

  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
  private static final int MAX_REQUESTS = Integer.getInteger("bench.requests", 100_000);
  private static final Duration MAX_TIME = Duration.ofSeconds(Integer.getInteger("bench.seconds", 20));
  private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmup", 20));
  /** By default the server runs in its own JVM (as {@code outrigger webhook} does); false: in this one. */
  private static final boolean FORK = Boolean.parseBoolean(System.getProperty("bench.fork", "true"));

  private WebhookLoad() {}

  record Phase(String name, long requests, long errors, double seconds, long[] latenciesNanos) {
    double throughput() {
      return requests / seconds;
    }

    double percentileMillis(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
      return latenciesNanos[Math.max(0, index)] / 1e6;
    }

    String row() {
      return String.format("| %s | %d | %d | %.1f | %.0f | %.2f | %.2f | %.2f |", name, requests, errors,
          seconds, throughput(), percentileMillis(50), percentileMillis(99), percentileMillis(100));
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("outrigger-webhook-bench-");
    try {
      Path cert = dir.resolve("tls.crt");
      Path key = dir.resolve("tls.key");
      openssl(cert, key);
      try (ServerUnderTest server = FORK ? ForkedServer.start(cert, key, dir) : inProcess(cert, key);
          HttpClient client = HttpClient.newBuilder()
              .sslContext(trusting(cert))
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .build()) {
        String base = "https://127.0.0.1:" + server.port();
        byte[] review = resource("admission-review.json");
        HttpRequest inject = request(base + "/inject", review);
        HttpRequest baseline = request(base + "/healthz", review);
        check(client, inject);
        // The JIT needs a while on 2 busy cores; both paths are warmed before anything is measured.
        run(client, "warmup (inject)", inject, WARMUP);
        run(client, "warmup (baseline)", baseline, WARMUP.dividedBy(4));
        List<Phase> phases = new ArrayList<>();
        phases.add(run(client, "baseline: POST /healthz", baseline, MAX_TIME));
        phases.add(run(client, "inject: POST /inject", inject, MAX_TIME));
        phases.add(run(client, "baseline: POST /healthz (again)", baseline, MAX_TIME));
        phases.add(run(client, "inject: POST /inject (again)", inject, MAX_TIME));
        System.out.println();
        System.out.printf("concurrency=%d body=%d bytes cpus=%d java=%s server=%s%n", CONCURRENCY,
            review.length, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            server.describe());
        System.out.println("| phase | requests | errors | seconds | reviews/s | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        phases.forEach(p -> System.out.println(p.row()));
        double ratio = (phases.get(1).throughput() + phases.get(3).throughput())
            / (phases.get(0).throughput() + phases.get(2).throughput());
        System.out.printf("inject/baseline throughput ratio: %.2f%n", ratio);
        System.out.println(InProcess.measure(review, MAX_TIME));
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The server the load runs against, in this JVM or in its own; closing stops it. */
  interface ServerUnderTest extends AutoCloseable {
    int port();

    String describe();

    @Override
    void close() throws Exception;
  }

  private static ServerUnderTest inProcess(Path cert, Path key) throws Exception {
    WebhookServer server = WebhookServer.start(WebhookSettings.of(
        new InetSocketAddress("127.0.0.1", 0), cert, key, InjectorConfig.defaults()));
    return new ServerUnderTest() {
      @Override
      public int port() {
        return server.address().getPort();
      }

      @Override
      public String describe() {
        return "same JVM as the client";
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }

  /** Bounded closed loop: stops at MAX_REQUESTS in total or when the time is up, whichever first. */
  private static Phase run(HttpClient client, String name, HttpRequest request, Duration limit)
      throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long deadline = System.nanoTime() + limit.toNanos();
    long[][] perThread = new long[CONCURRENCY][];
    int[] counts = new int[CONCURRENCY];
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < CONCURRENCY; t++) {
      int id = t;
      perThread[id] = new long[MAX_REQUESTS / CONCURRENCY + 1];
      threads.add(Thread.ofPlatform().name("load-" + id).start(() -> {
        while (System.nanoTime() < deadline && counts[id] < perThread[id].length
            && issued.incrementAndGet() <= MAX_REQUESTS) {
          long sent = System.nanoTime();
          try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
              errors.incrementAndGet();
            }
          } catch (Exception e) {
            errors.incrementAndGet();
          }
          perThread[id][counts[id]++] = System.nanoTime() - sent;
        }
      }));
    }
    for (Thread thread : threads) {
      thread.join(limit.toMillis() + 30_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < CONCURRENCY; t++) {
      System.arraycopy(perThread[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    Phase phase = new Phase(name, total, errors.get(), seconds, all);
    System.out.println(phase.row());
    return phase;
  }

  static void check(HttpClient client, HttpRequest inject) throws Exception {
    HttpResponse<String> response = client.send(inject, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200 || !response.body().contains("\"patchType\":\"JSONPatch\"")) {
      throw new IllegalStateException("the webhook did not inject the benchmark pod: "
          + response.statusCode() + " " + response.body());
    }
  }

  static HttpRequest request(String uri, byte[] body) {
    return HttpRequest.newBuilder(URI.create(uri))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  static byte[] resource(String name) throws Exception {
    try (InputStream in = WebhookLoad.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("bench resource " + name + " is missing");
      }
      return in.readAllBytes();
    }
  }

  static void openssl(Path cert, Path key) throws Exception {
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
        "-days", "1", "-subj", "/CN=outrigger.outrigger-system.svc",
        "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl failed: " + out);
    }
  }

  static SSLContext trusting(Path cert) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      store.setCertificateEntry("webhook", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
