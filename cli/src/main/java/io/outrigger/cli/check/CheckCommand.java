package io.outrigger.cli.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outrigger.controlplane.inspect.OutputFormat;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outrigger check}: can this host run a host-mode mesh? One line per check, exit 1 on any
 * FAIL.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Preflight of this host for host mode: root, iptables (backend, nat REDIRECT), CNI plugins, "
          + "Envoy and its version, the control plane's ports, the JDK. One line per check: OK, WARN or FAIL with "
          + "the fix. Exit code 1 when any check FAILs."
    })
public final class CheckCommand implements Callable<Integer> {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      converter = OutputFormat.Converter.class,
      defaultValue = "short",
      description = "short (one line per check), json or yaml.")
  OutputFormat output;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  public CheckCommand() {
    this(System.getenv());
  }

  /**
   * @param env PATH, CNI_PATH and ENVOY_BIN to check with (tests give a broken one)
   */
  public CheckCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    List<Check> checks = new HostChecks(env).run();
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.SHORT) {
      int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
      checks.forEach(c -> out.println(c.line(width)));
    } else {
      ObjectNode root = new ObjectMapper().createObjectNode();
      root.put("ok", checks.stream().noneMatch(c -> c.status() == Check.Status.FAIL));
      ArrayNode list = root.putArray("checks");
      for (Check c : checks) {
        list.addObject()
            .put("name", c.name())
            .put("status", c.status().name())
            .put("detail", c.detail())
            .put("fix", c.fix());
      }
      out.print(output.print(root));
    }
    out.flush();
    return checks.stream().anyMatch(c -> c.status() == Check.Status.FAIL) ? 1 : 0;
  }
}
