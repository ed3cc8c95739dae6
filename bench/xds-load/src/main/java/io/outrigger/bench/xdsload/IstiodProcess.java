package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's control plane, {@code pilot-discovery discovery} (istiod, built by {@code
 * scripts/istio/build.sh pilot-discovery}), in its own process on a kubeconfig, with every port on
 * loopback: plaintext xDS (what the fleet dials; no authentication there), its HTTP debug port
 * ({@code /ready}, {@code /debug/...}, pprof) and its monitoring port ({@code /metrics}).
 */
final class IstiodProcess implements AutoCloseable {
  /** istiod's own namespace ({@code POD_NAMESPACE}); it must exist. */
  static final String NAMESPACE = "istio-system";

  private static final Pattern GO_HEAP =
      Pattern.compile("(?m)^go_memstats_heap_alloc_bytes (\\S+)$");

  private final Process process;
  private final int xdsPort;
  private final int httpPort;
  private final int monitoringPort;
  private final Path logFile;
  private final HttpClient http = HttpClient.newHttpClient();

  private IstiodProcess(
      Process process, int xdsPort, int httpPort, int monitoringPort, Path logFile) {
    this.process = process;
    this.xdsPort = xdsPort;
    this.httpPort = httpPort;
    this.monitoringPort = monitoringPort;
    this.logFile = logFile;
  }

  /** Starts it and waits until {@code /ready} answers 200 (its informers synced). */
  static IstiodProcess start(Path binary, Path kubeconfig, Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    if (!Files.isExecutable(binary)) {
      throw new IllegalArgumentException(
          "pilot-discovery "
              + binary
              + " is not executable: scripts/istio/build.sh pilot-discovery");
    }
    int xds = ControlPlaneProcess.freeLoopbackPort();
    int http = ControlPlaneProcess.freeLoopbackPort();
    int monitoring = ControlPlaneProcess.freeLoopbackPort();
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "discovery",
                "--kubeconfig",
                kubeconfig.toString(),
                "--domain",
                "cluster.local",
                "--grpcAddr",
                "127.0.0.1:" + xds,
                "--httpAddr",
                "127.0.0.1:" + http,
                "--httpsAddr",
                "127.0.0.1:" + ControlPlaneProcess.freeLoopbackPort(),
                "--secureGRPCAddr",
                "127.0.0.1:" + ControlPlaneProcess.freeLoopbackPort(),
                "--monitoringAddr",
                "127.0.0.1:" + monitoring));
    Path dir = Files.createDirectories(workDir.resolve("istiod"));
    Path log = dir.resolve("istiod.log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("POD_NAMESPACE", NAMESPACE);
    builder.environment().put("POD_NAME", "istiod-bench");
    IstiodProcess istiod = new IstiodProcess(builder.start(), xds, http, monitoring, log);
    istiod.awaitReady(timeout);
    return istiod;
  }

  int xdsPort() {
    return xdsPort;
  }

  long pid() {
    return process.pid();
  }

  Path logFile() {
    return logFile;
  }

  /**
   * The Go heap right after a garbage collection: {@code /debug/pprof/heap?gc=1} collects first,
   * then {@code go_memstats_heap_alloc_bytes} of {@code /metrics} (live objects plus what was
   * allocated between the two requests).
   */
  long goHeapAfterGcBytes() throws IOException, InterruptedException {
    get(httpPort, "/debug/pprof/heap?gc=1");
    Matcher m = GO_HEAP.matcher(get(monitoringPort, "/metrics"));
    if (!m.find()) {
      throw new IllegalStateException("istiod /metrics has no go_memstats_heap_alloc_bytes");
    }
    return (long) Double.parseDouble(m.group(1));
  }

  /** istiod's own view of its proxies ({@code /debug/syncz}: one entry per connected proxy). */
  String syncz() throws IOException, InterruptedException {
    return get(httpPort, "/debug/syncz");
  }

  private String get(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "istiod " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  private void awaitReady(Duration timeout) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "istiod exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        get(httpPort, "/ready");
        return;
      } catch (IOException | IllegalStateException notYet) {
        Thread.sleep(200);
      }
    }
    close();
    throw new IllegalStateException("istiod was not ready within " + timeout + ":\n" + tail());
  }

  String tail() throws IOException {
    return ControlPlaneProcess.tail(logFile);
  }

  @Override
  public void close() {
    ControlPlaneProcess.stop(process);
  }
}
