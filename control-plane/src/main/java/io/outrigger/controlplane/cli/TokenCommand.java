package io.outrigger.controlplane.cli;

import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.TokenFile;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger token}: a host-mode service-account token, signed with the control plane's
 * host-mode key (in its CA directory), which the TLS xDS port accepts as proof of {@code ns/sa}.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description =
        "Print a host-mode token (JWT) for NS/SA, as a projected service-account token would be.")
public final class TokenCommand implements Callable<Integer> {

  @Option(names = "--namespace", required = true, description = "The workload's namespace.")
  String namespace;

  @Option(
      names = "--service-account",
      required = true,
      description = "The workload's service account.")
  String serviceAccount;

  @Option(
      names = "--ttl",
      defaultValue = "1h",
      converter = DurationOption.class,
      description = "How long the token is valid. Default ${DEFAULT-VALUE}.")
  Duration ttl;

  @Option(
      names = "--ca-dir",
      defaultValue = "${env:OUTRIGGER_CA_DIR:-/var/lib/outrigger/ca}",
      description = "The control plane's CA directory. Default ${DEFAULT-VALUE}.")
  Path caDir;

  @Option(
      names = "--audience",
      defaultValue = ControlPlaneSettings.TOKEN_AUDIENCE,
      description = "Audience the control plane expects. Default ${DEFAULT-VALUE}.")
  String audience;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description =
          "Write the token to FILE (mode 0644, replaced atomically, no line break) instead of stdout.")
  Path output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    WorkloadIdentity identity = new WorkloadIdentity(namespace, serviceAccount);
    HostModeTokens tokens =
        HostModeTokens.ofExistingCa(caDir, ControlPlaneSettings.HOST_MODE_ISSUER);
    String token = tokens.mint(identity, List.of(audience), ttl);
    if (output != null) {
      TokenFile.write(output, token);
      return 0;
    }
    PrintWriter out = spec.commandLine().getOut();
    // "token > file" must write the token alone: Envoy sends a token file byte for byte
    // (TokenFile).
    out.print(stdoutIsTerminal() ? token + System.lineSeparator() : token);
    out.flush();
    return 0;
  }

  private static boolean stdoutIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // JDK 22+ returns a Console for redirected streams too, and says with isTerminal() whether it
      // is one.
      return (boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // JDK 21: console() is null unless stdin and stdout are a terminal
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }
}
