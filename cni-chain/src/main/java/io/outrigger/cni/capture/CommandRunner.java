package io.outrigger.cni.capture;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a tool to completion with a bounded wait, feeding it stdin and collecting its output. */
public final class CommandRunner {
  /**
   * Where iptables and nsenter live on Debian and most distributions, for runtimes with a bare
   * PATH.
   */
  private static final List<String> SYSTEM_DIRS =
      List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin");

  /** 128 + SIGKILL: only the watchdog sends that signal here. */
  private static final int KILLED_BY_WATCHDOG = 137;

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
      String tool = "?";
      for (String s : command) {
        if (!s.startsWith("-") && !s.contains("nsenter")) {
          tool = s;
          break;
        }
      }
      return Path.of(tool).getFileName() + " exited " + exitCode + ": " + stderr.strip();
    }
  }

  /**
   * Runs the tool; its stderr is merged into stdout. Reading on the calling thread (plus one
   * watchdog that enforces the timeout) keeps the plugin's cold start cheap: no executor, no reader
   * threads.
   */
  public Result run(List<String> command, String stdin) {
    List<String> resolved = new ArrayList<>(command);
    resolved.set(0, resolve(command.get(0)));
    Process p;
    try {
      p = new ProcessBuilder(resolved).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw cannotRun(command.get(0), e);
    }
    Thread watchdog = new Thread(new Watchdog(p, timeout.toMillis()), "outrigger-cni-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // The tool exited before reading all of stdin; its exit code and output say why.
    }
    try (InputStream out = p.getInputStream()) {
      String output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      int exit = p.waitFor();
      watchdog.interrupt();
      if (exit == KILLED_BY_WATCHDOG) {
        throw timedOut(command.get(0), timeout);
      }
      return new Result(resolved, exit, output, exit == 0 ? "" : output);
    } catch (IOException e) {
      throw new CaptureException(
          "cannot read the output of " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CaptureException("interrupted while running " + command.get(0), e);
    }
  }

  static CaptureException cannotRun(String tool, IOException e) {
    return new CaptureException("cannot run " + tool + ": " + e.getMessage(), e);
  }

  static CaptureException timedOut(String tool, Duration timeout) {
    return new CaptureException(tool + " did not finish within " + timeout.toMillis() + " ms");
  }

  /**
   * Kills the tool when it outlives the timeout. A class rather than a lambda: the plugin's path
   * starts no invokedynamic bootstrap, so its AOT cache needs none of the classes that spin them.
   */
  private static final class Watchdog implements Runnable {
    private final Process process;
    private final long timeoutMillis;

    Watchdog(Process process, long timeoutMillis) {
      this.process = process;
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void run() {
      try {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        // The tool finished; nothing to watch.
      }
    }
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
      // java.io.File.canExecute is access(2) with X_OK, as Files.isExecutable, without the NIO
      // native buffers and their cleaner thread.
      File candidate = new File(dir.isEmpty() ? "." : dir, tool);
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    return tool;
  }
}
