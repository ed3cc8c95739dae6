package io.outrigger.testsupport;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.TempFiles;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes API server for one test class (test tier 4): etcd and kube-apiserver as child
 * processes on ephemeral loopback ports, with their data, keys and logs in a temp directory that
 * {@link #close()} removes after stopping both. There is no controller manager: objects are what
 * the test creates, and namespaces are never deleted (nothing would finalize them); each class gets
 * a fresh etcd instead.
 */
public final class KubeApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KubeApiServer.class);
  private static final String TEMP_DIR_PREFIX = "outrigger-kube-";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final int START_ATTEMPTS = 3;

  /**
   * Required by kube-apiserver, where it allocates Services' cluster IPs; never routed. A /20
   * (4,094 addresses) so the registry's scale benchmark fits its 1,000 Services.
   */
  private static final String SERVICE_CLUSTER_IP_RANGE = "198.19.240.0/20";

  static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

  private final KubeApiServerFiles files;
  private final List<Process> processes = new ArrayList<>();
  private final Thread shutdownHook =
      new Thread(this::stopProcesses, "outrigger-kube-apiserver-shutdown");
  private int port;

  private KubeApiServer(KubeApiServerFiles files) {
    this.files = files;
  }

  /** Starts etcd, then kube-apiserver, and returns once {@code /readyz} answers 200. */
  public static KubeApiServer start(KubeApiServerBinaries binaries) {
    killOrphans();
    Path dir;
    try {
      dir = Files.createTempDirectory(TEMP_DIR_PREFIX);
    } catch (IOException e) {
      throw new UncheckedIOException("test kube-apiserver: cannot create a temp directory", e);
    }
    KubeApiServer server = new KubeApiServer(KubeApiServerFiles.create(dir));
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    try {
      server.startWithRetries(binaries);
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** {@code https://127.0.0.1:<port>}. */
  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** A bearer token of a {@code system:masters} user: every request is allowed. */
  public String adminToken() {
    return files.adminToken();
  }

  /** The self-signed PEM certificate the API server serves: the CA a client trusts. */
  public Path servingCertificate() {
    return files.servingCert();
  }

  /**
   * The PEM (PKCS#8, EC P-256) key this server signs service-account tokens with: lets a test forge
   * a token that differs from a real one in a single claim (an expiry in the past, say).
   */
  public Path serviceAccountSigningKey() {
    return files.serviceAccountKey();
  }

  /**
   * Writes a kubeconfig for this server and {@code token} (the server's own certificate as the CA):
   * what kubectl, the CLI or a control plane outside the cluster is given.
   *
   * @return {@code file}
   */
  public Path writeKubeconfig(Path file, String token) {
    String yaml =
        """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test
                    cluster:
                      server: %s
                      certificate-authority: %s
                users:
                  - name: test
                    user:
                      token: %s
                contexts:
                  - name: test
                    context: {cluster: test, user: test}
                current-context: test
                """
            .formatted(url(), servingCertificate(), token);
    try {
      return Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("kubeconfig " + file + ": cannot write", e);
    }
  }

  /** The service-account token issuer ({@code iss}) of every token this server mints. */
  public String issuer() {
    return ISSUER;
  }

  /** The last lines of the etcd and kube-apiserver logs, for a failing test's output. */
  public String logTail() {
    return tail(files.dir().resolve("etcd.log"))
        + "\n"
        + tail(files.dir().resolve("kube-apiserver.log"));
  }

  @Override
  public synchronized void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and the hook is running: nothing left to remove.
    }
    TempFiles.deleteRecursively(files.dir());
  }

  /**
   * Kills an etcd or kube-apiserver a killed test JVM left behind (no shutdown hook ran): ours name
   * a temp directory of our prefix on their command line. Their temp directory is removed with
   * them.
   */
  static void killOrphans() {
    String marker = Path.of(System.getProperty("java.io.tmpdir"), TEMP_DIR_PREFIX).toString();
    Commands.orphans(marker)
        .forEach(
            orphan -> {
              LOG.warn(
                  "event=orphan_kube_process_killed pid={} command={}",
                  orphan.pid(),
                  orphan.info().command().orElse("?"));
              orphan.destroyForcibly();
              orphanDir(orphan.info().commandLine().orElse(""), marker)
                  .ifPresent(TempFiles::deleteRecursively);
            });
  }

  private static Optional<Path> orphanDir(String commandLine, String marker) {
    int start = commandLine.indexOf(marker);
    int end = commandLine.indexOf('/', start + marker.length());
    return start < 0 || end < 0
        ? Optional.empty()
        : Optional.of(Path.of(commandLine.substring(start, end)));
  }

  private void startWithRetries(KubeApiServerBinaries binaries) {
    for (int attempt = 1; ; attempt++) {
      try {
        startOnce(binaries, attempt);
        return;
      } catch (PortTakenException e) {
        // A free port was taken by another test between our probe and the child's bind: try others.
        stopProcesses();
        if (attempt == START_ATTEMPTS) {
          throw new IllegalStateException(
              "test kube-apiserver: "
                  + e.getMessage()
                  + " in "
                  + START_ATTEMPTS
                  + " attempts\n"
                  + logTail(),
              e);
        }
        LOG.info("event=kube_apiserver_port_retry attempt={} reason={}", attempt, e.getMessage());
      }
    }
  }

  private void startOnce(KubeApiServerBinaries binaries, int attempt) {
    long started = System.nanoTime();
    int etcdPort = freePort();
    int peerPort = freePort();
    Path etcdLog = files.dir().resolve("etcd.log");
    Process etcd =
        spawn(
            List.of(
                binaries.etcd().toString(),
                "--name",
                "outrigger-test",
                "--data-dir",
                files.dir().resolve("etcd-" + attempt).toString(),
                "--listen-client-urls",
                "http://127.0.0.1:" + etcdPort,
                "--advertise-client-urls",
                "http://127.0.0.1:" + etcdPort,
                "--listen-peer-urls",
                "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peerPort,
                "--initial-cluster",
                "outrigger-test=http://127.0.0.1:" + peerPort),
            etcdLog);
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    awaitHealthy(
        "etcd",
        etcd,
        etcdLog,
        plain,
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + etcdPort + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build());

    port = freePort();
    Path apiLog = files.dir().resolve("kube-apiserver.log");
    Process apiServer = spawn(apiServerCommand(binaries.apiServer(), etcdPort), apiLog);
    HttpClient tls =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .sslContext(trusting(files.servingCert()))
            .build();
    awaitHealthy(
        "kube-apiserver",
        apiServer,
        apiLog,
        tls,
        HttpRequest.newBuilder(URI.create(url() + "/readyz"))
            .header("Authorization", "Bearer " + files.adminToken())
            .timeout(Duration.ofSeconds(5))
            .build());
    LOG.info(
        "event=kube_apiserver_ready url={} etcd_port={} dir={} startup_ms={}",
        url(),
        etcdPort,
        files.dir(),
        (System.nanoTime() - started) / 1_000_000);
  }

  private List<String> apiServerCommand(Path binary, int etcdPort) {
    return List.of(
        binary.toString(),
        "--etcd-servers",
        "http://127.0.0.1:" + etcdPort,
        "--bind-address",
        "127.0.0.1",
        "--advertise-address",
        "127.0.0.1",
        "--secure-port",
        String.valueOf(port),
        "--cert-dir",
        files.dir().resolve("certs").toString(),
        "--tls-cert-file",
        files.servingCert().toString(),
        "--tls-private-key-file",
        files.servingKey().toString(),
        "--token-auth-file",
        files.tokenFile().toString(),
        "--authorization-mode",
        "RBAC",
        "--service-account-issuer",
        ISSUER,
        "--service-account-key-file",
        files.serviceAccountPublicKey().toString(),
        "--service-account-signing-key-file",
        files.serviceAccountKey().toString(),
        "--service-cluster-ip-range",
        SERVICE_CLUSTER_IP_RANGE,
        // No kubelet, no Service traffic: the 'kubernetes' endpoints would point nowhere useful.
        "--endpoint-reconciler-type",
        "none",
        // Fewer start-up hooks and goroutines: this server has one client at a time.
        "--enable-priority-and-fairness=false",
        "--profiling=false");
  }

  private Process spawn(List<String> command, Path log) {
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      synchronized (this) {
        processes.add(process);
      }
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("test kube-apiserver: cannot start " + command.get(0), e);
    }
  }

  private void awaitHealthy(
      String what, Process process, Path log, HttpClient client, HttpRequest probe) {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String tail = tail(log);
        if (tail.contains("address already in use")) {
          throw new PortTakenException(what + " could not bind its port");
        }
        throw new IllegalStateException(
            "test kube-apiserver: "
                + what
                + " exited with code "
                + process.exitValue()
                + " while starting\n"
                + tail);
      }
      try {
        HttpResponse<String> response = client.send(probe, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = "HTTP " + response.statusCode() + ": " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "test kube-apiserver: interrupted while waiting for " + what, e);
      }
      sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "test kube-apiserver: "
            + what
            + " not healthy after "
            + STARTUP_TIMEOUT
            + " ("
            + probe.uri()
            + ", last: "
            + last
            + ")\n"
            + tail(log));
  }

  private synchronized void stopProcesses() {
    // The API server first, so it does not log etcd connection errors while it goes down.
    for (int i = processes.size() - 1; i >= 0; i--) {
      Commands.kill(processes.get(i));
    }
    processes.clear();
  }

  static SSLContext trusting(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry(
          "kube-apiserver", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "test kube-apiserver: cannot trust its serving certificate " + pem, e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return "----- "
          + log.getFileName()
          + " (last 40 lines) -----\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "----- " + log + ": unreadable: " + e.getMessage();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("test kube-apiserver: interrupted while starting", e);
    }
  }

  /** A child could not bind the port we probed as free: worth another try on other ports. */
  private static final class PortTakenException extends RuntimeException {
    PortTakenException(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return "KubeApiServer[" + url() + ", " + files.dir() + "]";
  }
}
