package io.outrigger.istiocompat;

import io.outrigger.controlplane.cli.ControlPlaneCommand;
import picocli.CommandLine;

/** {@code outrigger control-plane} as a process of its own, so a test can kill it with SIGKILL. */
public final class ControlPlaneMain {
  private ControlPlaneMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new ControlPlaneCommand()).execute(args));
  }
}
