package io.outrigger.controlplane.generate;

import io.outrigger.testsupport.apps.EchoServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Echo servers on loopback ephemeral ports, each its own JVM, all stopped on close. */
final class EchoProcesses implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("port=(\\d+) listening");
  private final List<Process> processes = new ArrayList<>();

  /** Starts one and returns the port it bound. */
  int start(String name) {
    try {
      Process process =
          new ProcessBuilder(EchoServer.commandLine(0, name)).redirectErrorStream(true).start();
      processes.add(process);
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = CompletableFuture.supplyAsync(() -> readLine(out)).get(30, TimeUnit.SECONDS);
      Matcher port = LISTENING.matcher(line == null ? "" : line);
      if (!port.find()) {
        throw new AssertionError("echo server " + name + " did not report its port: " + line);
      }
      return Integer.parseInt(port.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start echo server " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("echo server " + name + " did not start within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while starting echo server " + name, e);
    }
  }

  private static String readLine(BufferedReader out) {
    try {
      return out.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    processes.forEach(Process::destroyForcibly);
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
