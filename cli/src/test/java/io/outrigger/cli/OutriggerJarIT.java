package io.outrigger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it ({@code java -jar outrigger.jar ...}): what reaches the terminal
 * and the process exit code, which the in-process tests cannot see (main's System.exit, logging,
 * the jar's own classpath).
 */
class OutriggerJarIT {

  @TempDir Path tmp;

  private record Exit(int code, String stdout, List<String> stderr) {
    List<String> errorLines() {
      return stderr.stream().filter(l -> l.startsWith("error:")).toList();
    }
  }

  private Exit outrigger(String... args) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("outrigger.jar", "target/outrigger.jar"));
    assertThat(jar).as("the shaded jar (built by package)").isRegularFile();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(tmp.resolve("stdout").toFile())
            .redirectError(tmp.resolve("stderr").toFile());
    builder.environment().remove(CommandErrors.STACKTRACE_ENV);
    Process process = builder.start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS))
          .as("outrigger %s finished", List.of(args))
          .isTrue();
    } finally {
      process.destroyForcibly();
    }
    return new Exit(
        process.exitValue(),
        Files.readString(tmp.resolve("stdout")),
        Files.readAllLines(tmp.resolve("stderr"), StandardCharsets.UTF_8));
  }

  @Test
  void aMissingFileIsOneErrorLineAndExitCode1() throws Exception {
    Path missing = tmp.resolve("missing.yaml");
    Exit exit = outrigger("inject", "-f", missing.toString());

    assertThat(exit.code()).as("%s", exit.stderr()).isEqualTo(1);
    assertThat(exit.errorLines())
        .containsExactly("error: manifest " + missing + ": cannot read: no such file or directory");
    assertThat(exit.stderr())
        .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Exception in thread"));
    assertThat(exit.stdout()).isEmpty();
  }

  @Test
  void aUsageErrorIsExitCode2() throws Exception {
    Exit exit =
        outrigger(
            "token",
            "--namespace",
            "shop",
            "--service-account",
            "web",
            "--ttl",
            "soon",
            "--ca-dir",
            tmp.resolve("ca").toString());

    assertThat(exit.code()).as("%s", exit.stderr()).isEqualTo(2);
    assertThat(exit.stderr())
        .containsExactly(
            "error: Invalid value for option '--ttl': 'soon' is not a duration: use a number with ms, s, m, h or d (e.g. 100ms, 1h)",
            "Run 'outrigger token --help' for usage.");
  }

  @Test
  void successIsExitCode0() throws Exception {
    Exit exit = outrigger("ca", "init", "--dir", tmp.resolve("ca").toString());

    assertThat(exit.code()).as("%s", exit.stderr()).isZero();
    assertThat(exit.stdout()).startsWith("created mesh root CA in " + tmp.resolve("ca"));
    assertThat(exit.stderr())
        .as("a one-shot command logs no INFO lines (ca_created, ca_crypto)")
        .isEmpty();
  }

  @Test
  void aServerThatFailsToStartPrintsItsErrorLineAlone() throws Exception {
    Path registry = Files.createDirectory(tmp.resolve("registry"));
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Exit exit =
          outrigger(
              "control-plane",
              "--registry",
              "file:" + registry,
              "--ca-dir",
              tmp.resolve("ca").toString(),
              "--xds-port",
              "-1",
              "--xds-tls-port",
              Integer.toString(port),
              "--monitoring-port",
              "0",
              "--bind-address",
              "127.0.0.1");

      assertThat(exit.code()).isEqualTo(1);
      assertThat(exit.stderr())
          .as("no INFO of the half-done start (ca_created, mesh_assembled, ...) before it")
          .containsExactly(
              "error: --xds-tls-port "
                  + port
                  + ": cannot listen on 127.0.0.1:"
                  + port
                  + ": address already in use");
    }
  }

  @Test
  void aServerThatStartsLogsItsWholeStart() throws Exception {
    Path registry = Files.createDirectory(tmp.resolve("registry"));
    Path jar = Path.of(System.getProperty("outrigger.jar", "target/outrigger.jar"));
    Path stderr = tmp.resolve("server-stderr");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "control-plane",
                "--registry",
                "file:" + registry,
                "--ca-dir",
                tmp.resolve("ca").toString(),
                "--xds-port",
                "-1",
                "--xds-tls-port",
                "0",
                "--monitoring-port",
                "0",
                "--bind-address",
                "127.0.0.1")
            .redirectError(stderr.toFile())
            .redirectOutput(tmp.resolve("out").toFile());
    builder.environment().remove("OUTRIGGER_LOG_LEVEL");
    Process server = builder.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(stderr).contains("event=control_plane_started")
          && System.nanoTime() < deadline) {
        assertThat(server.isAlive())
            .as("control plane running; stderr: %s", Files.readString(stderr))
            .isTrue();
        Thread.sleep(100);
      }
      List<String> lines = Files.readAllLines(stderr);
      assertThat(lines)
          .as("the held start-up lines, in order, then the ready line")
          .anyMatch(l -> l.contains("INFO") && l.contains("event=ca_created"))
          .anyMatch(l -> l.contains("event=xds_tls_listening"))
          .anyMatch(l -> l.contains("event=control_plane_started"));
      assertThat(
              lines.stream().filter(l -> l.contains("event=ca_created")).findFirst().orElseThrow())
          .isEqualTo(lines.stream().filter(l -> l.contains("event=")).findFirst().orElseThrow());
    } finally {
      server.destroy();
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }
}
