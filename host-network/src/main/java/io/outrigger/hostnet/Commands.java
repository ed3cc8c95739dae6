package io.outrigger.hostnet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs host commands to completion with a bounded wait, reading both output streams concurrently.
 */
public final class Commands {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private Commands() {}

  public static ExecResult run(List<String> command) {
    return run(command, Map.of(), null, DEFAULT_TIMEOUT);
  }

  public static ExecResult run(
      List<String> command, Map<String, String> env, String stdin, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("command " + command + ": cannot start", e);
    }
    try {
      CompletableFuture<String> out =
          CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      writeStdin(process, stdin);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new IllegalStateException(
            "command " + command + ": still running after " + timeout + ", killed");
      }
      return new ExecResult(process.exitValue(), out.get(), err.get());
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("command " + command + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "command " + command + ": cannot read its output", e.getCause());
    }
  }

  /** Stops a process and everything it started: SIGTERM, then SIGKILL after a grace period. */
  public static void kill(Process process) {
    List<ProcessHandle> family = process.descendants().toList();
    family.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Processes a killed test JVM left behind: their command line carries {@code marker} (a path of
   * our naming), and once their JVM is gone they are re-parented (to init or a subreaper), so no
   * live harness owns them.
   */
  public static Stream<ProcessHandle> orphans(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(marker))
        .filter(
            p ->
                p.parent()
                    .map(parent -> !parent.info().command().orElse("").endsWith("/java"))
                    .orElse(true));
  }

  private static void writeStdin(Process process, String stdin) {
    try (OutputStream in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // The command may exit without reading its input; its exit code and output tell what
      // happened.
    }
  }

  private static String read(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
