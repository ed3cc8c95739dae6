package io.outrigger.bench.xdsload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark main run to its end in its own JVM, as BENCHMARKS.md runs it.
 *
 * @param exitCode its exit status
 * @param output what it printed (stdout and stderr)
 */
record BenchmarkRun(int exitCode, String output) {

  /** {@code java -Xmx512m -cp CLASSPATH MAIN ARGS...} with this JVM's {@code java}. */
  static List<String> javaCommand(String classpath, Class<?> main, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                classpath,
                main.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs it to its end, at most {@code bound}, its output in {@code log}; on timeout every process
   * it started is killed.
   */
  static BenchmarkRun run(List<String> command, Path log, Duration bound)
      throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!process.waitFor(bound.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(
            "the benchmark did not end within " + bound + ":\n" + Files.readString(log));
      }
      return new BenchmarkRun(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
