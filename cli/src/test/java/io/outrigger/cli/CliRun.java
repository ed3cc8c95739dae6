package io.outrigger.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** One run of the {@code outrigger} command tree in this JVM, as {@link Outrigger#main} runs it. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    return of(Outrigger.commandLine(null), args);
  }

  /**
   * With an environment of the test's own (state root, PATH, CNI_PATH) for the commands that read
   * one.
   */
  static CliRun withEnv(java.util.Map<String, String> env, String... args) {
    return of(Outrigger.commandLine(null, env), args);
  }

  static CliRun of(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  List<String> errLines() {
    return err.lines().toList();
  }
}
