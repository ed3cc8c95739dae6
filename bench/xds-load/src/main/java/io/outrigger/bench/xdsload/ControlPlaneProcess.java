package io.outrigger.bench.xdsload;

import io.outrigger.testsupport.soak.JvmProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control plane under test in its own JVM (the {@code outrigger control-plane} command), so its
 * heap is measured without the simulated proxies in it.
 */
final class ControlPlaneProcess implements AutoCloseable {
  private final Process process;
  private final int xdsPort;
  private final int tlsPort;
  private final int monitoringPort;
  private final Path caDir;
  private final Path logFile;

  private ControlPlaneProcess(
      Process process, int xdsPort, int tlsPort, int monitoringPort, Path caDir, Path logFile) {
    this.process = process;
    this.xdsPort = xdsPort;
    this.tlsPort = tlsPort;
    this.monitoringPort = monitoringPort;
    this.caDir = caDir;
    this.logFile = logFile;
  }

  /**
   * @param launcher how {@code java} finds the CLI: {@code -jar outrigger.jar}, or {@code -cp
   *     CLASSPATH io.outrigger.cli.Outrigger}
   * @param registry the {@code --registry} value: {@code file:DIR} (host mode: the loopback
   *     plaintext port serves ADS, and is what this waits for) or {@code kube:KUBECONFIG} (a
   *     control plane in a cluster: only the TLS port, tokens checked with TokenReview)
   */
  static ControlPlaneProcess start(
      List<String> launcher, String registry, Path workDir, List<String> jvmArgs, Duration timeout)
      throws IOException, InterruptedException {
    boolean kube = registry.startsWith("kube");
    int xds = kube ? -1 : freeLoopbackPort();
    int tls = freeLoopbackPort();
    int monitoring = freeLoopbackPort();
    Path caDir = workDir.resolve("ca");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(launcher);
    command.addAll(
        List.of(
            "control-plane",
            "--registry",
            registry,
            "--bind-address",
            "127.0.0.1",
            "--xds-port",
            Integer.toString(xds),
            "--xds-tls-port",
            Integer.toString(tls),
            "--monitoring-port",
            Integer.toString(monitoring),
            "--ca-dir",
            caDir.toString()));
    if (kube) {
      // The webhook port (default 15017 with an API server) on a free one, so runs never collide.
      command.addAll(List.of("--webhook-port", Integer.toString(freeLoopbackPort())));
    }
    Path log = workDir.resolve("control-plane.log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ControlPlaneProcess cp = new ControlPlaneProcess(p, xds, tls, monitoring, caDir, log);
    cp.awaitListening(kube ? tls : xds, timeout);
    return cp;
  }

  /**
   * A control plane as in a cluster, on the API server of {@code kubeconfig}: TLS port only, with
   * the settings' launcher, JVM options and timeout.
   */
  static ControlPlaneProcess inCluster(BenchSettings settings, Path kubeconfig, Path workDir)
      throws IOException, InterruptedException {
    return inCluster(settings, kubeconfig, workDir, List.of());
  }

  /** As {@link #inCluster(BenchSettings, Path, Path)}, with JVM options after the settings' own. */
  static ControlPlaneProcess inCluster(
      BenchSettings settings, Path kubeconfig, Path workDir, List<String> moreJvmArgs)
      throws IOException, InterruptedException {
    List<String> jvmArgs = new ArrayList<>(settings.controlPlaneJvmArgs());
    jvmArgs.addAll(moreJvmArgs);
    return start(
        settings.cliLauncher(), "kube:" + kubeconfig, workDir, jvmArgs, settings.timeout());
  }

  /**
   * How injected sidecars reach it: its TLS port, trusting its mesh root, under the injector's
   * name.
   */
  FleetTransport.Tls sidecarTransport() throws IOException {
    return new FleetTransport.Tls(
        "127.0.0.1", tlsPort, rootCertPem(), FleetTransport.Tls.DEFAULT_SERVER_NAME);
  }

  int xdsPort() {
    return xdsPort;
  }

  /** The TLS xDS port (token-authenticated). */
  int tlsPort() {
    return tlsPort;
  }

  /** The mesh root sidecars trust ({@code root-cert.pem} of the control plane's CA directory). */
  String rootCertPem() throws IOException {
    return Files.readString(caDir.resolve("root-cert.pem"));
  }

  int monitoringPort() {
    return monitoringPort;
  }

  long pid() {
    return process.pid();
  }

  Path logFile() {
    return logFile;
  }

  /** The control plane's current number of threads ({@code /proc/PID/status}); -1 if unreadable. */
  int threads() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("Threads:")) {
          return Integer.parseInt(line.substring("Threads:".length()).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Live heap after a full GC, from the JVM itself ({@code jcmd GC.run} then {@code GC.heap_info}).
   */
  long heapUsedAfterGcBytes() throws IOException, InterruptedException {
    return probe().heapUsedAfterGcRunBytes();
  }

  /** Runs a diagnostic command in the control plane JVM (GC, heap, JFR recordings). */
  String jcmd(String... args) throws IOException, InterruptedException {
    return probe().jcmd(args);
  }

  JvmProbe probe() {
    return new JvmProbe(pid());
  }

  private void awaitListening(int port, Duration timeout) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "control plane exited with " + process.exitValue() + ":\n" + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    close();
    throw new IllegalStateException(
        "control plane did not listen on 127.0.0.1:"
            + port
            + " within "
            + timeout
            + ":\n"
            + tail());
  }

  String tail() throws IOException {
    return tail(logFile);
  }

  /** The last 40 lines of a child's log, for an error message. */
  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    stop(process);
  }

  /** SIGTERM, then after 10 s SIGKILL. */
  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
