package io.outrigger.cni.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the tool through the plugin image's JNI library {@code libnetnsexec.so}
 * (cni-chain/src/main/c/netns_exec.c): vfork, setns into the netns, execve the tool with its input
 * in one call ({@link #start}), its output and exit collected by a second ({@code finish}). It
 * saves an ADD the JDK's first process start (jspawnhelper, the reaper thread and the classes they
 * load) and the {@code nsenter} exec. JNI rather than the foreign function API: a JNI symbol binds
 * without a stub generated at run time (see docs/cni.md).
 */
public final class NativeNetnsTool implements NetnsTool {
  /** The library's file name in the plugin image, next to the jlink'd runtime. */
  public static final String LIBRARY = "libnetnsexec.so";

  /** The native side's result when the deadline passed and the tool was killed. */
  private static final int TIMED_OUT = -1;

  private final Duration timeout;

  private NativeNetnsTool(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * The library in the plugin image: {@code outrigger-cni.d/libnetnsexec.so}, the runtime being
   * {@code outrigger-cni.d/runtime}.
   */
  public static Path pluginLibrary() {
    return Path.of(System.getProperty("java.home")).resolveSibling(LIBRARY);
  }

  /** The tool backed by {@code library}, or null if it is missing or cannot be loaded. */
  public static NativeNetnsTool load(Path library, Duration timeout) {
    // java.io.File rather than Files.isRegularFile: the NIO call starts the cleaner thread of its
    // native buffers, one thread more per plugin call.
    if (!library.toFile().isFile()) {
      return null;
    }
    try {
      System.load(library.toAbsolutePath().toString());
      return new NativeNetnsTool(timeout);
    } catch (UnsatisfiedLinkError e) {
      return null;
    }
  }

  @Override
  public CommandRunner.Result run(Path netns, List<String> command, String stdin) {
    return start(netns, command, stdin).finish();
  }

  /**
   * The tool is spawned and has all of its input (a pipe holds 64 KiB) when this returns: it runs
   * on another core while the plugin prepares its result and its log line.
   */
  @Override
  public NetnsTool.Pending start(Path netns, List<String> command, String stdin) {
    List<String> resolved = new ArrayList<>(command);
    resolved.set(0, CommandRunner.resolve(command.get(0)));
    long job;
    try {
      job =
          start(
              netns.toString(),
              resolved.toArray(new String[0]),
              stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8),
              (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    } catch (IOException e) {
      throw CommandRunner.cannotRun(command.get(0), e);
    }
    return new Started(job, command.get(0), resolved, timeout);
  }

  /** A tool started by the library; its native job is freed by {@link #finish()}. */
  private static final class Started implements NetnsTool.Pending {
    private final long job;
    private final String tool;
    private final List<String> command;
    private final Duration timeout;
    private boolean finished;

    Started(long job, String tool, List<String> command, Duration timeout) {
      this.job = job;
      this.tool = tool;
      this.command = command;
      this.timeout = timeout;
    }

    @Override
    public CommandRunner.Result finish() {
      if (finished) {
        throw new IllegalStateException(tool + " was already collected");
      }
      finished = true;
      byte[][] output = new byte[1][];
      int exit;
      try {
        exit = NativeNetnsTool.finish(job, output);
      } catch (IOException e) {
        throw CommandRunner.cannotRun(tool, e);
      }
      if (exit == TIMED_OUT) {
        throw CommandRunner.timedOut(tool, timeout);
      }
      String text = new String(output[0], StandardCharsets.UTF_8);
      return new CommandRunner.Result(command, exit, text, exit == 0 ? "" : text);
    }
  }

  private static native long start(String netns, String[] argv, byte[] stdin, int timeoutMillis)
      throws IOException;

  private static native int finish(long job, byte[][] output) throws IOException;
}
