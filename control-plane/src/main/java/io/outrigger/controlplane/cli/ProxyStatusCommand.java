package io.outrigger.controlplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.controlplane.inspect.MonitoringHttp;
import io.outrigger.controlplane.inspect.OutputFormat;
import io.outrigger.controlplane.inspect.ProxyStatusReport;
import io.outrigger.controlplane.meshtarget.MeshTarget;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code outrigger proxy-status}: every connected proxy's sync state per xDS type, from the control
 * plane.
 */
@Command(
    name = "proxy-status",
    mixinStandardHelpOptions = true,
    description = {
      "Every proxy connected to the control plane and, per xDS type (CDS LDS EDS RDS SDS), whether it "
          + "holds what was last sent: SYNCED, NOT SENT or STALE (sent, not ACKed: in flight or NACKed), with the "
          + "last NACK."
    })
public final class ProxyStatusCommand implements Callable<Integer> {
  @Mixin MeshTargetOptions target;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      converter = OutputFormat.Converter.class,
      defaultValue = "short",
      description = "short (a table), json or yaml.")
  OutputFormat output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  public ProxyStatusCommand() {
    this(System.getenv());
  }

  /**
   * @param env the environment to find host-mode meshes with (tests give their own state root)
   */
  public ProxyStatusCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    MeshTarget mesh = target.resolve(env);
    JsonNode report =
        ProxyStatusReport.of(
            MonitoringHttp.getJson(mesh.monitoring(), "/debug/syncz"),
            mesh.monitoring().toString(),
            mesh.expectedProxies());
    spec.commandLine()
        .getOut()
        .print(
            output == OutputFormat.SHORT ? ProxyStatusReport.table(report) : output.print(report));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
