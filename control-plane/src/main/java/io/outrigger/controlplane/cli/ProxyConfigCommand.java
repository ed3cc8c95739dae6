package io.outrigger.controlplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.outrigger.controlplane.inspect.EnvoyConfigReport;
import io.outrigger.controlplane.inspect.OutputFormat;
import io.outrigger.controlplane.meshtarget.MeshTarget;
import io.outrigger.controlplane.meshtarget.ProxyAdmin;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code outrigger proxy-config TYPE NS/POD}: what a sidecar really holds, read from its own admin
 * API.
 */
@Command(
    name = "proxy-config",
    mixinStandardHelpOptions = true,
    description = {
      "One section of a sidecar's configuration as Envoy holds it (its admin API, not what the "
          + "control plane believes it sent): listeners, routes, clusters, endpoints or secret."
    })
public final class ProxyConfigCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "TYPE",
      converter = SectionConverter.class,
      description = "listeners, routes, clusters, endpoints or secret.")
  EnvoyConfigReport section;

  @Parameters(
      index = "1",
      paramLabel = "NS/POD",
      description = "The pod whose sidecar to read, e.g. bookinfo/reviews-v1.")
  String pod;

  @Mixin MeshTargetOptions target;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      converter = OutputFormat.Converter.class,
      defaultValue = "short",
      description = "short (a table), json or yaml (Envoy's own JSON of the section).")
  OutputFormat output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  public ProxyConfigCommand() {
    this(System.getenv());
  }

  /**
   * @param env the environment to find host-mode meshes with (tests give their own state root)
   */
  public ProxyConfigCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    int slash = pod.indexOf('/');
    if (slash <= 0 || slash == pod.length() - 1 || pod.indexOf('/', slash + 1) >= 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "pod '" + pod + "': must be NAMESPACE/NAME");
    }
    String namespace = pod.substring(0, slash);
    String name = pod.substring(slash + 1);
    MeshTarget mesh = target.resolve(env);
    ProxyAdmin admin = mesh.admin(namespace, name);
    JsonNode config = section.read(admin, "sidecar of " + pod);
    spec.commandLine()
        .getOut()
        .print(
            output == OutputFormat.SHORT ? section.table(config).render() : output.print(config));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** "clusters" as users type it; "secrets" too, since istioctl accepts both. */
  static final class SectionConverter implements CommandLine.ITypeConverter<EnvoyConfigReport> {
    @Override
    public EnvoyConfigReport convert(String value) {
      String v = value.toLowerCase(Locale.ROOT);
      for (EnvoyConfigReport r : EnvoyConfigReport.values()) {
        String name = r.name().toLowerCase(Locale.ROOT);
        if (v.equals(name) || v.equals(name + "s") || (v + "s").equals(name)) {
          return r;
        }
      }
      throw new CommandLine.TypeConversionException(
          "'"
              + value
              + "' is not a config type: use listeners, routes, clusters, endpoints or secret");
    }
  }
}
