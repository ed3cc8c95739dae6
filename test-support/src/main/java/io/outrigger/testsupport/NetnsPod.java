package io.outrigger.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.hostnet.Commands;
import io.outrigger.hostnet.ExecResult;
import io.outrigger.hostnet.NetnsCommand;
import io.outrigger.hostnet.PodSandbox;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod: a network namespace wired by the CNI chain of its {@link PodNetwork}. Commands run inside
 * it with {@code ip netns exec}, optionally as the proxy user. {@link #close()} kills its
 * processes, runs CNI DEL in reverse order and deletes the namespace.
 */
public final class NetnsPod implements AutoCloseable {

  private final PodNetwork network;
  private final PodSpec spec;
  private final PodSandbox sandbox;
  private final Map<Process, Path> processes = new LinkedHashMap<>();
  private boolean closed;

  private NetnsPod(PodNetwork network, PodSpec spec, PodSandbox sandbox) {
    this.network = network;
    this.spec = spec;
    this.sandbox = sandbox;
  }

  /**
   * The namespace and CNI ADD (undone on failure) are {@link PodSandbox}'s, as host mode's pods.
   */
  static NetnsPod create(PodNetwork network, PodSpec spec, String netnsName) {
    return new NetnsPod(
        network,
        spec,
        PodSandbox.create(
            netnsName,
            network.loopbackChain(),
            network.mainChain(spec),
            spec.namespace(),
            spec.name(),
            spec.annotations()));
  }

  public String name() {
    return spec.name();
  }

  public PodSpec spec() {
    return spec;
  }

  /** The pod's address on its network (from the CNI result). */
  public String ip() {
    return sandbox.ip();
  }

  public String netnsName() {
    return sandbox.netns();
  }

  public Path netnsPath() {
    return sandbox.netnsPath();
  }

  /** The chain's final ADD result. */
  public JsonNode cniResult() {
    return sandbox.result();
  }

  /** Runs a command inside the pod as root and waits (30 s at most). */
  public ExecResult exec(String... command) {
    return exec(Arrays.asList(command), false, Commands.DEFAULT_TIMEOUT);
  }

  /**
   * Runs a command inside the pod, as root or as the proxy user (1337), and waits at most {@code
   * timeout}.
   */
  public ExecResult exec(List<String> command, boolean asProxyUser, Duration timeout) {
    return Commands.run(
        NetnsCommand.wrap(netnsName(), asProxyUser, command), Map.of(), null, timeout);
  }

  /**
   * Starts a background process inside the pod; its output goes to a log file ({@link
   * #log(Process)}).
   */
  public synchronized Process start(List<String> command, boolean asProxyUser) {
    Path log = network.logDir().resolve(netnsName() + "-" + (processes.size() + 1) + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(NetnsCommand.wrap(netnsName(), asProxyUser, command))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      Process process = builder.start();
      processes.put(process, log);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("pod " + name() + ": cannot start " + command, e);
    }
  }

  /** What a process started with {@link #start} printed so far. */
  public synchronized String log(Process process) {
    Path log = processes.get(process);
    try {
      return log == null ? "" : Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Waits until something listens on this TCP port inside the pod. */
  public void awaitListening(int port, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      ExecResult listening = exec("ss", "-H", "-ltn", "sport = :" + port);
      if (listening.succeeded() && !listening.stdout().isBlank()) {
        return;
      }
      EnvoyAdmin.sleep(Duration.ofMillis(100));
    }
    StringBuilder logs = new StringBuilder();
    processes
        .keySet()
        .forEach(
            p ->
                logs.append("\n--- ")
                    .append(p.info().commandLine().orElse("?"))
                    .append(p.isAlive() ? "" : " (exited " + p.exitValue() + ")")
                    .append(":\n")
                    .append(log(p)));
    throw new AssertionError(
        "pod " + name() + ": nothing listens on TCP port " + port + " after " + timeout + logs);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    network.forget(this);
    teardown();
  }

  private void teardown() {
    processes.keySet().forEach(Commands::kill);
    try {
      sandbox.close();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("pod " + name() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "pod " + spec.namespace() + "/" + name() + " (netns " + netnsName() + ", " + ip() + ")";
  }
}
