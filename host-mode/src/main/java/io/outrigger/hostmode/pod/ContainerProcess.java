package io.outrigger.hostmode.pod;

import io.outrigger.hostnet.Commands;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container as a process in the pod's network namespace, as its user, with its environment and
 * working directory, output appended to its log file. It is started again when it exits, as the
 * kubelet does for {@code restartPolicy: Always} (or {@code OnFailure} after a failure), with a
 * back-off of 1 s doubling to 30 s, reset once the container ran 10 minutes ({@link
 * RestartBackoff}).
 */
final class ContainerProcess {
  private static final String TEST_RUN_VARIABLE = "OUTRIGGER_TEST_RUN";
  private static final Logger LOG = LoggerFactory.getLogger(ContainerProcess.class);

  /** What to run and how. */
  record Command(
      String pod,
      String container,
      String netns,
      int uid,
      int gid,
      List<String> argv,
      Map<String, String> env,
      Path workingDir,
      Path log,
      String restartPolicy) {}

  private final Command command;
  private volatile Process process;
  private volatile boolean stopping;
  private volatile int restarts;
  private Thread supervisor;

  ContainerProcess(Command command) {
    this.command = command;
  }

  /** Starts the process and the thread that restarts it. */
  synchronized void start() {
    process = launch();
    supervisor =
        Thread.ofVirtual()
            .name("container-" + command.pod() + "-" + command.container())
            .start(this::superviseRestarts);
  }

  /**
   * Runs the process once (an init container) and waits for it; throws when it fails or times out.
   */
  void runToCompletion(Duration timeout) throws InterruptedException {
    Process p = launch();
    process = p;
    if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      Commands.kill(p);
      throw new IllegalStateException(
          "pod "
              + command.pod()
              + " init container "
              + command.container()
              + ": still running after "
              + timeout
              + " (log: "
              + command.log()
              + ")");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "pod "
              + command.pod()
              + " init container "
              + command.container()
              + ": exited "
              + p.exitValue()
              + " (log: "
              + command.log()
              + ")");
    }
  }

  boolean running() {
    Process p = process;
    return p != null && p.isAlive();
  }

  int restarts() {
    return restarts;
  }

  long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  void stop() {
    stopping = true;
    Process p = process;
    if (p != null) {
      Commands.kill(p);
    }
    Thread t = supervisor;
    if (t != null) {
      t.interrupt();
    }
  }

  private Process launch() {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                command.netns(),
                "setpriv",
                "--reuid=" + command.uid(),
                "--regid=" + command.gid(),
                "--clear-groups",
                "--"));
    argv.addAll(command.argv());
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(command.log().toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(command.env());
    // A test run's tag goes through, so its leftover check (scripts/host-state.sh) counts this
    // process.
    String testRun = System.getenv(TEST_RUN_VARIABLE);
    if (testRun != null) {
      builder.environment().put(TEST_RUN_VARIABLE, testRun);
    }
    if (command.workingDir() != null) {
      builder.directory(command.workingDir().toFile());
    }
    try {
      Process p = builder.start();
      LOG.info(
          "event=container_started pod={} container={} pid={} uid={}",
          command.pod(),
          command.container(),
          p.pid(),
          command.uid());
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(
          "pod "
              + command.pod()
              + " container "
              + command.container()
              + ": cannot start "
              + command.argv().getFirst()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private void superviseRestarts() {
    RestartBackoff backoff = new RestartBackoff();
    while (!stopping) {
      int exit;
      long started = System.nanoTime();
      try {
        exit = process.waitFor();
      } catch (InterruptedException e) {
        return;
      }
      Duration ranFor = Duration.ofNanos(System.nanoTime() - started);
      if (stopping) {
        return;
      }
      LOG.warn(
          "event=container_exited pod={} container={} exit_code={} restart_policy={} log={}",
          command.pod(),
          command.container(),
          exit,
          command.restartPolicy(),
          command.log());
      if ("Never".equals(command.restartPolicy())
          || "OnFailure".equals(command.restartPolicy()) && exit == 0) {
        return;
      }
      try {
        Thread.sleep(backoff.afterExit(ranFor));
      } catch (InterruptedException e) {
        return;
      }
      synchronized (this) {
        if (stopping) {
          return;
        }
        try {
          process = launch();
          restarts++;
        } catch (IllegalStateException e) {
          LOG.warn(
              "event=container_restart_failed pod={} container={} reason=\"{}\"",
              command.pod(),
              command.container(),
              e.getMessage());
        }
      }
    }
  }
}
