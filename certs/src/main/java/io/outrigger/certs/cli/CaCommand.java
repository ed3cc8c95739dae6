package io.outrigger.certs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code outrigger ca}: the mesh CA's files, from the shell. */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description =
        "Create a mesh CA directory (Istio cacerts layout), issue a workload certificate, inspect certificates.",
    subcommands = {CaInitCommand.class, CaIssueCommand.class, CaInspectCommand.class})
public final class CaCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required: init, issue or inspect");
  }
}
