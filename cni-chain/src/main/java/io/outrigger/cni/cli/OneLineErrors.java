package io.outrigger.cni.cli;

import java.util.concurrent.Callable;

/** Runs a command body and turns a failure into one line on stderr naming the command, never a stack trace. */
final class OneLineErrors {
  private OneLineErrors() {}

  static int run(String command, Callable<Integer> body) {
    try {
      return body.call();
    } catch (Exception e) {
      System.err.println("outrigger " + command + ": " + e.getMessage());
      return 1;
    }
  }
}
