package io.outrigger.certs.cli;

import io.outrigger.certs.CaException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * What every {@code ca} subcommand shares: a failure the user can act on is printed as one
 * {@code error:} line and exit code 1, never a stack trace.
 */
abstract class CaSubcommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public final Integer call() {
    try {
      execute(spec.commandLine().getOut());
      return 0;
    } catch (CaException | IllegalArgumentException | UncheckedIOException | IOException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
  }

  abstract void execute(PrintWriter out) throws IOException;
}
