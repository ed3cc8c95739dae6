package io.outrigger.controlplane.cli;

import io.outrigger.certs.TokenFile;
import io.outrigger.controlplane.model.MeshConfig;
import io.outrigger.controlplane.model.Workload;
import io.outrigger.controlplane.registry.Registry;
import io.outrigger.controlplane.registry.source.RegistrySource;
import io.outrigger.controlplane.server.ControlPlaneSettings;
import io.outrigger.sidecar.ControlPlanePorts;
import io.outrigger.sidecar.bootstrap.BootstrapParams;
import io.outrigger.sidecar.bootstrap.ControlPlaneAddress;
import io.outrigger.sidecar.bootstrap.SidecarBootstrap;
import io.outrigger.sidecar.bootstrap.XdsApiType;
import io.outrigger.sidecar.bootstrap.XdsTransport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger bootstrap}: the Envoy bootstrap of one workload's sidecar, from the registry's
 * WorkloadEntry (IP, labels, service account), rendered by the injector's one renderer.
 */
@Command(
    name = "bootstrap",
    mixinStandardHelpOptions = true,
    description = "Print the Envoy sidecar bootstrap (YAML) of a registry workload.")
public final class BootstrapCommand implements Callable<Integer> {

  @Option(
      names = "--workload",
      required = true,
      paramLabel = "NS/NAME",
      description = "The WorkloadEntry the sidecar belongs to.")
  String workload;

  @Option(
      names = "--registry",
      required = true,
      converter = RegistryOption.class,
      description = "Where the workload is described: file:DIR.")
  RegistrySource registry;

  @Option(
      names = "--control-plane",
      defaultValue = "127.0.0.1:" + ControlPlanePorts.XDS_TLS,
      paramLabel = "HOST:PORT",
      description = "The control plane's xDS address. Default ${DEFAULT-VALUE}.")
  String controlPlane;

  @Option(
      names = "--token-file",
      defaultValue = "/var/run/secrets/tokens/outrigger-token",
      description =
          "Token file Envoy sends as Bearer (TLS); it must hold the token alone, no line break. Default ${DEFAULT-VALUE}.")
  Path tokenFile;

  @Option(
      names = "--root-cert",
      defaultValue = "/var/run/secrets/outrigger/root-cert.pem",
      description = "Mesh root that verifies the control plane (TLS). Default ${DEFAULT-VALUE}.")
  Path rootCert;

  @Option(
      names = "--server-name",
      defaultValue = ControlPlaneSettings.DEFAULT_SERVER_NAME,
      description = "Name to verify in the control plane's certificate. Default ${DEFAULT-VALUE}.")
  String serverName;

  @Option(
      names = "--plaintext",
      description = "Dial the loopback plaintext port instead (host mode, unauthenticated).")
  boolean plaintext;

  @Option(
      names = "--delta",
      description = "Use incremental (Delta) ADS instead of state of the world.")
  boolean delta;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!plaintext) {
      TokenFile.requireSendable(
          tokenFile); // before the registry: a bad file is the one thing to fix
    }
    Workload w = find();
    BootstrapParams.Builder params =
        BootstrapParams.builder()
            .namespace(w.namespace())
            .podName(w.name())
            .workloadName(w.name())
            .serviceAccount(w.serviceAccount())
            .labels(w.labels())
            .instanceIp(w.address())
            .controlPlane(ControlPlaneAddress.parse(controlPlane))
            .apiType(delta ? XdsApiType.DELTA_GRPC : XdsApiType.GRPC);
    if (plaintext) {
      params.transport(XdsTransport.PLAINTEXT);
    } else {
      params
          .transport(XdsTransport.TLS_TOKEN)
          .tokenFile(tokenFile)
          .rootCertFile(rootCert)
          .controlPlaneServerName(serverName);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(new SidecarBootstrap().render(params.build()));
    out.flush();
    return 0;
  }

  private Workload find() {
    String[] parts = workload.split("/", 2);
    if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--workload '" + workload + "': expected NS/NAME");
    }
    MeshConfig mesh;
    try (Registry source = registry.open()) {
      source.start();
      mesh = source.current();
    }
    // A well-formed name the registry does not hold is not a usage error: the registry is the thing
    // to fix.
    return mesh.workload(parts[0], parts[1])
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "workload "
                        + workload
                        + ": no WorkloadEntry "
                        + workload
                        + " in registry "
                        + registry
                        + (mesh.errors().isEmpty()
                            ? ""
                            : " (registry errors: "
                                + mesh.errors().size()
                                + ", first: "
                                + mesh.errors().get(0).message()
                                + ")")));
  }
}
