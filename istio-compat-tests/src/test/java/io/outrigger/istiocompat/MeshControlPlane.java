package io.outrigger.istiocompat;

import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.server.ControlPlane;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The control plane of the test mesh, in this JVM: file registry, TLS xDS on the bridge gateway (so
 * pods reach it), monitoring where the settings put it. Can be stopped and started again on the
 * same ports and CA, as a restarted Deployment would be.
 */
final class MeshControlPlane implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Path registry;
  private final Path caDir;
  private final String xdsHost;

  /**
   * What a test changes in the settings (e.g. the outbound traffic policy); kept across restarts.
   */
  private final UnaryOperator<ControlPlaneSettings> customize;

  private ControlPlane running;
  private ControlPlaneSettings settings;

  /** Set when the control plane runs as its own JVM; then {@link #running} stays null. */
  private ControlPlaneProcess process;

  private int xdsTlsPort;
  private int monitoringPort;

  private MeshControlPlane(
      Path registry, Path caDir, String xdsHost, UnaryOperator<ControlPlaneSettings> customize) {
    this.registry = registry;
    this.caDir = caDir;
    this.xdsHost = xdsHost;
    this.customize = customize;
  }

  static MeshControlPlane start(Path registry, Path caDir, String xdsHost) {
    return start(registry, caDir, xdsHost, UnaryOperator.identity());
  }

  static MeshControlPlane start(
      Path registry, Path caDir, String xdsHost, UnaryOperator<ControlPlaneSettings> customize) {
    MeshControlPlane cp = new MeshControlPlane(registry, caDir, xdsHost, customize);
    cp.startOn(0, 0);
    return cp;
  }

  /**
   * The control plane as a separate JVM (the CLI command), which {@link #stop} kills with SIGKILL:
   * for the restart test. Tokens are minted with the host-mode key it keeps in the CA directory.
   */
  static MeshControlPlane startAsProcess(Path registry, Path caDir, String xdsHost, Path log) {
    MeshControlPlane cp = new MeshControlPlane(registry, caDir, xdsHost, UnaryOperator.identity());
    cp.settings = ControlPlaneSettings.forTests(registry, caDir);
    cp.monitoringPort = ControlPlaneProcess.freePort(cp.settings.monitoringBindAddress());
    cp.process = ControlPlaneProcess.start(registry, caDir, xdsHost, cp.monitoringPort, log);
    cp.xdsTlsPort = cp.process.xdsTlsPort();
    return cp;
  }

  private synchronized void startOn(int tlsPort, int monitoring) {
    // No plaintext port: sidecars in pods use TLS xDS with their token, as in a cluster.
    settings =
        customize.apply(
            ControlPlaneSettings.forTests(registry, caDir)
                .withBindAddress(xdsHost)
                .withPorts(-1, tlsPort, monitoring));
    running = ControlPlane.start(settings);
    xdsTlsPort = running.xdsTlsPort();
    monitoringPort = running.monitoringPort();
  }

  /**
   * Stops it (streams break, sidecars keep their last config): SIGKILL for a process, else close.
   */
  synchronized void stop() {
    if (process != null) {
      process.kill();
    } else if (running != null) {
      running.close();
      running = null;
    }
  }

  /**
   * Freezes the control-plane process with SIGSTOP (a process only: the test JVM cannot stop
   * itself).
   */
  synchronized void pause() {
    requireProcess("pause").pause();
  }

  /** SIGCONT after {@link #pause}. */
  synchronized void resume() {
    requireProcess("resume").resume();
  }

  private ControlPlaneProcess requireProcess(String what) {
    if (process == null) {
      throw new IllegalStateException(
          "cannot " + what + " a control plane in this JVM: start it with inSeparateJvm()");
    }
    return process;
  }

  /** Starts it again on the same ports, CA and registry; sidecars reconnect by themselves. */
  synchronized void startAgain() {
    if (process != null) {
      process.launch();
      return;
    }
    if (running != null) {
      throw new IllegalStateException(
          "control plane on " + xdsHost + ":" + xdsTlsPort + " is already running");
    }
    startOn(xdsTlsPort, monitoringPort);
  }

  /** The CA directory (cacerts layout) it loaded its CA from and watches. */
  Path caDir() {
    return caDir;
  }

  /**
   * What the control-plane process wrote so far (a process only: in this JVM, use {@link
   * LogCapture}).
   */
  synchronized String processLog() {
    return requireProcess("read the log of").logText();
  }

  /**
   * The sum of a Prometheus metric's samples on {@code /metrics} (over all label sets; 0 when
   * absent).
   */
  double metric(String name) {
    double sum = 0;
    for (String line : monitoring("/metrics").split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  synchronized int xdsTlsPort() {
    return xdsTlsPort;
  }

  /**
   * The loopback plaintext xDS port, when the settings turned it on (in this JVM only); else -1.
   */
  synchronized int xdsPlaintextPort() {
    return process == null ? running.xdsPlaintextPort() : -1;
  }

  synchronized String rootCertPem() {
    if (process == null) {
      return running.rootCertPem();
    }
    try {
      return Files.readString(caDir.resolve("root-cert.pem"));
    } catch (IOException e) {
      throw new UncheckedIOException("control plane CA " + caDir + ": no root-cert.pem", e);
    }
  }

  synchronized String mintToken(WorkloadIdentity id, Duration ttl) {
    if (process == null) {
      return running.mintToken(id, ttl);
    }
    return HostModeTokens.loadOrInit(caDir, ControlPlaneSettings.HOST_MODE_ISSUER)
        .mint(id, settings.tokenAudiences(), ttl);
  }

  /** The name the sidecars verify in the control plane's serving certificate. */
  synchronized String serverName() {
    return process == null ? running.serverName() : settings.serverName();
  }

  synchronized String trustDomain() {
    return process == null ? running.trustDomain() : settings.trustDomain();
  }

  Syncz syncz() {
    return Syncz.parse(monitoring("/debug/syncz"));
  }

  /** {@code http://HOST:PORT} of the monitoring port, as a host-mode mesh.json names it. */
  synchronized String monitoringUrl() {
    return "http://" + settings.monitoringBindAddress() + ":" + monitoringPort;
  }

  /** The URL of {@code path} on the monitoring port, as an operator's browser would open it. */
  synchronized String monitoringUrl(String path) {
    return "http://" + settings.monitoringBindAddress() + ":" + monitoringPort + path;
  }

  String monitoring(String path) {
    URI uri = URI.create(monitoringUrl(path));
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError(
            "control plane " + uri + ": HTTP " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException("control plane " + uri + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading " + uri, e);
    }
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.close();
    } else {
      stop();
    }
  }
}
