package io.outrigger.hostnet;

/** What a finished command printed and how it ended. */
public record ExecResult(int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Throws, naming the command and carrying its output, unless the command exited 0. */
  public ExecResult orThrow(String what) {
    if (!succeeded()) {
      throw new IllegalStateException(
          what
              + ": exit code "
              + exitCode
              + "\nstdout: "
              + stdout.strip()
              + "\nstderr: "
              + stderr.strip());
    }
    return this;
  }
}
