package io.outrigger.cni.capture;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs a tool (iptables-restore, iptables-save, ...) inside a network namespace, to completion,
 * feeding it stdin; its stderr is merged into its stdout. A netns that cannot be entered, or a tool
 * that cannot be executed, is a failed result (exit 1 or 127 and a message), as {@code nsenter}
 * reports it; a tool that outlives the timeout, or a process that cannot be started, is a {@link
 * CaptureException}.
 */
public interface NetnsTool {
  CommandRunner.Result run(Path netns, List<String> command, String stdin);

  /**
   * Starts the tool and returns before it has finished, so that the caller can do its own work
   * while the tool runs; {@link Pending#finish()} (exactly once) waits for it, as {@link #run}
   * would. Failures are those of {@link #run}, from either call. This default runs it to the end
   * here.
   */
  default Pending start(Path netns, List<String> command, String stdin) {
    return new Finished(run(netns, command, stdin));
  }

  /** A started tool. */
  interface Pending {
    CommandRunner.Result finish();
  }

  /** A tool that ran to the end in {@link #start}. A record rather than a lambda: no indy. */
  record Finished(CommandRunner.Result result) implements Pending {
    @Override
    public CommandRunner.Result finish() {
      return result;
    }
  }

  /**
   * The plugin's way: the native library next to the plugin's runtime ({@link NativeNetnsTool}), or
   * {@code nsenter} through {@link CommandRunner} when that library is missing or cannot be loaded.
   */
  static NetnsTool best(java.time.Duration timeout) {
    NativeNetnsTool fast = NativeNetnsTool.load(NativeNetnsTool.pluginLibrary(), timeout);
    return fast != null ? fast : new NsenterTool(new CommandRunner(timeout));
  }
}
