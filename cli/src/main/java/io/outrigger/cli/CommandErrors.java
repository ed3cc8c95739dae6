package io.outrigger.cli;

import io.outrigger.certs.CaException;
import io.outrigger.cni.capture.CaptureException;
import io.outrigger.cni.capture.InvalidAnnotationException;
import io.outrigger.cni.json.JsonException;
import io.outrigger.injector.inject.InjectionException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every {@code outrigger} command reports a failure, decided here once so that subcommands just
 * throw. A usage error is one {@code error:} line and a pointer to {@code --help}, exit 2. A
 * failure the user can act on is one {@code error:} line, exit 1. Anything else is a bug in
 * outrigger: one {@code error: internal error:} line and how to get its stack trace, exit 1.
 */
final class CommandErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {

  static final String STACKTRACE_ENV = "OUTRIGGER_STACKTRACE";

  /**
   * What a user can act on: bad values (what every parser in the modules throws), files and ports,
   * and the modules' own error types. A NullPointerException or IllegalStateException is not on the
   * list on purpose: it says the code is wrong, and its message rarely tells the user what to do.
   */
  private static final List<Class<? extends Exception>> USER_ERRORS =
      List.of(
          IllegalArgumentException.class,
          IOException.class,
          UncheckedIOException.class,
          CaException.class,
          CaptureException.class,
          InvalidAnnotationException.class,
          JsonException.class,
          InjectionException.class);

  private final BooleanSupplier stackTraces;

  /**
   * @param stackTraces whether to print the stack trace too, read when a command fails
   */
  CommandErrors(BooleanSupplier stackTraces) {
    this.stackTraces = stackTraces;
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    boolean traces = stackTraces.getAsBoolean();
    if (isUserError(e)) {
      err.println("error: " + ErrorLine.of(e));
    } else {
      err.println("error: internal error: " + e.getClass().getName() + ": " + ErrorLine.of(e));
      if (!traces) {
        err.println(
            "This is a bug in outrigger; rerun with --stacktrace (or "
                + STACKTRACE_ENV
                + "=1) and report the stack trace it prints.");
      }
    }
    if (traces) {
      e.printStackTrace(err);
    }
    err.flush();
    return command.getCommandSpec().exitCodeOnExecutionException();
  }

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println("error: " + ErrorLine.oneLine(e.getMessage()));
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  static boolean isUserError(Exception e) {
    return USER_ERRORS.stream().anyMatch(type -> type.isInstance(e));
  }

  /**
   * {@code OUTRIGGER_STACKTRACE=1} (or {@code true}) asks for stack traces without changing the
   * command line.
   */
  static boolean stackTracesRequested(String envValue) {
    return envValue != null && (envValue.equals("1") || envValue.equalsIgnoreCase("true"));
  }
}
