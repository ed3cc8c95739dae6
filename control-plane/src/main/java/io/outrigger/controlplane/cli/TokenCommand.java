package io.outrigger.controlplane.cli;

import io.outrigger.certs.HostModeTokens;
import io.outrigger.certs.WorkloadIdentity;
import io.outrigger.controlplane.server.ControlPlaneSettings;
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
    description = "Print a host-mode token (JWT) for NS/SA, as a projected service-account token would be.")
public final class TokenCommand implements Callable<Integer> {

  @Option(names = "--namespace", required = true, description = "The workload's namespace.")
  String namespace;

  @Option(names = "--service-account", required = true, description = "The workload's service account.")
  String serviceAccount;

  @Option(names = "--ttl", defaultValue = "1h", converter = DurationOption.class,
      description = "How long the token is valid. Default ${DEFAULT-VALUE}.")
  Duration ttl;

  @Option(names = "--ca-dir", defaultValue = "${env:OUTRIGGER_CA_DIR:-/var/lib/outrigger/ca}",
      description = "The control plane's CA directory. Default ${DEFAULT-VALUE}.")
  Path caDir;

  @Option(names = "--audience", defaultValue = ControlPlaneSettings.TOKEN_AUDIENCE,
      description = "Audience the control plane expects. Default ${DEFAULT-VALUE}.")
  String audience;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    HostModeTokens tokens = HostModeTokens.loadOrInit(caDir, ControlPlaneSettings.HOST_MODE_ISSUER);
    String token = tokens.mint(new WorkloadIdentity(namespace, serviceAccount), List.of(audience), ttl);
    PrintWriter out = spec.commandLine().getOut();
    out.println(token);
    out.flush();
    return 0;
  }
}
