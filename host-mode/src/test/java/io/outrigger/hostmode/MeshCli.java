package io.outrigger.hostmode;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outrigger.hostmode.cli.MeshCommand;
import io.outrigger.hostmode.cli.PodExec;
import io.outrigger.hostmode.supervisor.MeshPaths;
import io.outrigger.hostnet.RepoRoot;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The {@code outrigger mesh} commands as a user runs them, for one mesh name; {@code mesh exec}
 * from its client pod.
 */
final class MeshCli {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Run(int code, String out, String err) {
    List<String> errorLines() {
      return err.lines().filter(l -> l.startsWith("error: ")).toList();
    }
  }

  private final String name;

  MeshCli(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  MeshPaths paths() {
    return MeshPaths.of(name);
  }

  Run run(String command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new MeshCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(command, "--name", name));
    all.addAll(List.of(args));
    int code = cli.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  JsonNode meshJson() {
    try {
      return JSON.readTree(paths().meshJson().toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode status() {
    Run run = run("status", "-o", "json");
    assertThat(run.code()).as(run.err()).isZero();
    try {
      return JSON.readTree(run.out());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code bookinfo.py get URL --count N [--header H]...} in a pod through {@code mesh exec}: its
   * summary.
   */
  JsonNode get(String pod, String url, int count, String... headers) {
    List<String> command =
        new ArrayList<>(
            List.of("python3", "/app/bookinfo.py", "get", url, "--count", String.valueOf(count)));
    for (String h : headers) {
      command.addAll(List.of("--header", h));
    }
    try {
      Process p = PodExec.run(meshJson(), pod, command, false);
      p.getOutputStream().close();
      byte[] stdout = p.getInputStream().readAllBytes();
      String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("mesh exec %s: %s", command, stderr).isZero();
      String last =
          new String(stdout, StandardCharsets.UTF_8).strip().lines().reduce((a, b) -> b).orElse("");
      return JSON.readTree(last);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Path samples(String relative) {
    return RepoRoot.find().orElseThrow().resolve("samples").resolve(relative);
  }
}
