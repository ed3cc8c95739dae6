package io.outrigger.injector.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code outrigger webhook} in a JVM of its own, started as the launcher starts it: no heap or GC
 * flags, so the JVM picks its defaults for this machine. The only addition is a GC log, which
 * changes no pause, so the harness can say how much of the tail was the collector.
 */
final class ForkedServer implements WebhookLoad.ServerUnderTest {

  private static final Pattern SERVING = Pattern.compile("serving https://[^:]+:(\\d+)/inject");
  private static final Pattern PAUSE = Pattern.compile("\\bPause .* (\\d+\\.\\d+)ms$");
  /** Extra server JVM flags, for experiments only; the published numbers use none. */
  private static final String EXTRA = System.getProperty("bench.serverJavaOpts", "");

  private final Process process;
  private final int port;
  private final Path gcLog;
  private final Path stderr;

  private ForkedServer(Process process, int port, Path gcLog, Path stderr) {
    this.process = process;
    this.port = port;
    this.gcLog = gcLog;
    this.stderr = stderr;
  }

  static ForkedServer start(Path cert, Path key, Path dir) throws Exception {
    Path gcLog = dir.resolve("server-gc.log");
    Path stderr = dir.resolve("server.err");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:gc,gc+init:file=" + gcLog));
    if (!EXTRA.isBlank()) {
      command.addAll(Arrays.asList(EXTRA.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServeWebhook.class.getName(),
        "--address", "127.0.0.1", "--port", "0", "--tls-cert", cert.toString(), "--tls-key", key.toString()));
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    try {
      int port = CompletableFuture.supplyAsync(() -> awaitPort(process))
          .get(60, TimeUnit.SECONDS);
      return new ForkedServer(process, port, gcLog, stderr);
    } catch (Exception e) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("the forked webhook did not start: " + e.getMessage()
          + "; its stderr: " + Files.readString(stderr), e);
    }
  }

  private static int awaitPort(Process process) {
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        Matcher m = SERVING.matcher(line);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      throw new IllegalStateException("exited with " + process.waitFor() + " before serving");
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("reading its output: " + e.getMessage(), e);
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public int port() {
    return port;
  }

  /** The server JVM's flags and its GC pauses over the whole run (warm-up included). */
  @Override
  public String describe() {
    try {
      List<String> lines = Files.readAllLines(gcLog);
      String heap = lines.stream().filter(l -> l.contains("Heap Max Capacity") || l.contains("Using "))
          .map(l -> l.replaceFirst("^\\[[^]]*]\\[[^]]*]\\[[^]]*] ?", "").trim())
          .reduce((a, b) -> a + ", " + b).orElse("?");
      double[] pauses = lines.stream().map(PAUSE::matcher).filter(Matcher::find)
          .mapToDouble(m -> Double.parseDouble(m.group(1))).sorted().toArray();
      double total = Arrays.stream(pauses).sum();
      double max = pauses.length == 0 ? 0 : pauses[pauses.length - 1];
      long over5 = Arrays.stream(pauses).filter(p -> p > 5).count();
      return String.format("own JVM, flags [%s] (%s); GC pauses: %d, total %.0f ms, max %.1f ms, %d over 5 ms",
          EXTRA.isBlank() ? "none" : EXTRA.trim(), heap, pauses.length, total, max, over5);
    } catch (IOException e) {
      return "own JVM (GC log unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String err = Files.exists(stderr) ? Files.readString(stderr).strip() : "";
    if (!err.isEmpty()) {
      System.err.println("forked webhook stderr:\n" + err);
    }
  }
}
