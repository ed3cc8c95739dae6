package io.outrigger.cni.capture;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a tool to completion with a bounded wait, feeding it stdin and collecting its output. */
public final class CommandRunner {
  /** Where iptables and nsenter live on Debian and most distributions, for runtimes with a bare PATH. */
  private static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin");

  private final Duration timeout;

  public CommandRunner(Duration timeout) {
    this.timeout = timeout;
  }

  /** The result of one run. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** "iptables-restore exited 2: unknown option ..." for error messages. */
    public String describe() {
      String tool = command.stream().filter(s -> !s.startsWith("-") && !s.contains("nsenter")).findFirst().orElse("?");
      return Path.of(tool).getFileName() + " exited " + exitCode + ": " + stderr.strip();
    }
  }

  public Result run(List<String> command, String stdin) {
    List<String> resolved = new ArrayList<>(command);
    resolved.set(0, resolve(command.get(0)));
    ProcessBuilder pb = new ProcessBuilder(resolved);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new CaptureException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // The tool exited before reading all of stdin; its exit code and stderr say why.
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new CaptureException(command.get(0) + " did not finish within " + timeout.toMillis() + " ms");
      }
      return new Result(resolved, p.exitValue(), out.join(), err.join());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CaptureException("interrupted while running " + command.get(0), e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }, r -> Thread.ofPlatform().daemon().start(r));
  }

  /** Absolute path of a tool: PATH first, then the usual system directories. */
  static String resolve(String tool) {
    if (tool.indexOf('/') >= 0) {
      return tool;
    }
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    dirs.addAll(SYSTEM_DIRS);
    for (String dir : dirs) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return tool;
  }
}
