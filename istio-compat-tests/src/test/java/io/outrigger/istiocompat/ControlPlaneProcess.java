package io.outrigger.istiocompat;

import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
 * The control plane as its own JVM ({@link ControlPlaneMain}, the CLI command), on fixed ports
 * chosen free at first start so that it can be killed with SIGKILL and started again where the
 * sidecars expect it. Output goes to a log file that is printed when it does not come up.
 */
final class ControlPlaneProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final List<String> arguments;
  private final String xdsHost;
  private final int xdsTlsPort;
  private final Path log;
  private Process process;

  /** Last resort if the test JVM is stopped mid-test: the child must not outlive the run. */
  private final Thread killOnExit = new Thread(this::kill, "outrigger-e2e-control-plane-kill");

  private ControlPlaneProcess(List<String> arguments, String xdsHost, int xdsTlsPort, Path log) {
    this.arguments = arguments;
    this.xdsHost = xdsHost;
    this.xdsTlsPort = xdsTlsPort;
    this.log = log;
  }

  static ControlPlaneProcess start(
      Path registry, Path caDir, String xdsHost, int monitoringPort, Path log) {
    return start(registry, caDir, xdsHost, monitoringPort, log, List.of());
  }

  /**
   * @param more further {@code control-plane} options ({@code --kubeconfig PATH}, say)
   */
  static ControlPlaneProcess start(
      Path registry, Path caDir, String xdsHost, int monitoringPort, Path log, List<String> more) {
    int tls = freePort(xdsHost);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--registry",
                "file:" + registry,
                "--xds-port",
                "-1",
                "--xds-tls-port",
                Integer.toString(tls),
                "--bind-address",
                xdsHost,
                "--monitoring-port",
                Integer.toString(monitoringPort),
                "--monitoring-address",
                "127.0.0.1",
                "--ca-dir",
                caDir.toString()));
    args.addAll(more);
    ControlPlaneProcess cp = new ControlPlaneProcess(args, xdsHost, tls, log);
    Runtime.getRuntime().addShutdownHook(cp.killOnExit);
    cp.launch();
    return cp;
  }

  int xdsTlsPort() {
    return xdsTlsPort;
  }

  /** Kills it for good and drops the exit hook. */
  void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to; it kills the same process.
    }
  }

  /** SIGKILL: no graceful stream shutdown, exactly like a crashed or OOM-killed control plane. */
  synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /**
   * SIGSTOP: the process is frozen with its sockets open, as a stalled VM or a long GC pause leaves
   * it.
   */
  synchronized void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  synchronized void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    if (process == null) {
      throw new IllegalStateException(
          "control plane process on " + xdsHost + ":" + xdsTlsPort + " is not running");
    }
    ExecResult r = Commands.run(List.of("kill", "-" + name, Long.toString(process.pid())));
    if (!r.succeeded()) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + ": " + r.stderr());
    }
  }

  synchronized void launch() {
    if (process != null) {
      throw new IllegalStateException(
          "control plane process on " + xdsHost + ":" + xdsTlsPort + " is running");
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ControlPlaneMain.class.getName()));
    command.addAll(arguments);
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the control plane process", e);
    }
    awaitListening();
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "control plane process exited " + process.exitValue() + ":\n" + logText());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(xdsHost, xdsTlsPort), 200);
        return;
      } catch (IOException notYet) {
        sleep(200);
      }
    }
    kill();
    throw new IllegalStateException(
        "control plane process not listening on "
            + xdsHost
            + ":"
            + xdsTlsPort
            + " after "
            + START_TIMEOUT
            + ":\n"
            + logText());
  }

  /** What the process wrote so far (stdout and stderr). */
  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * A port free on that address now; the window until the child binds it is short and only ours.
   */
  static int freePort(String host) {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the control plane process", e);
    }
  }
}
