package io.outrigger.cli.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outrigger manifest}: the mesh's Kubernetes objects. */
@Command(
    name = "manifest",
    mixinStandardHelpOptions = true,
    description = "The objects that install the mesh into a cluster.",
    subcommands = ManifestCommand.Generate.class)
public final class ManifestCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "give a subcommand: generate");
  }

  /**
   * {@code outrigger manifest generate}: what {@code helm template --include-crds} renders, without
   * Helm.
   */
  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description =
          "Print the objects of the Helm chart manifests/charts/outrigger (CRDs, accounts and RBAC, the "
              + "control plane Deployment and Service, the injector config, the webhook configurations) as YAML, "
              + "for 'kubectl apply -f -'; the same objects 'helm template --include-crds' renders from the same values.")
  public static final class Generate implements Callable<Integer> {

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    @Spec CommandSpec spec;

    @Option(
        names = "--revision",
        description = "The revision (the chart's value 'revision'; default: the values').")
    String revision;

    @Option(
        names = {"-n", "--namespace"},
        defaultValue = "outrigger-system",
        description =
            "The control plane's namespace (Helm's release namespace). Default ${DEFAULT-VALUE}.")
    String namespace;

    @Option(
        names = {"-f", "--values"},
        paramLabel = "FILE",
        description =
            "A values file merged over the chart's values.yaml (repeatable, later ones win).")
    List<Path> valueFiles = List.of();

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "One value, e.g. replicaCount=2 or controlPlane.address=198.19.232.15:15012 (repeatable; "
                + "applied after the files; true/false and whole numbers are typed as Helm types them).")
    List<String> sets = List.of();

    @Option(
        names = "--crds",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description = "Include the CRDs (default: yes; --no-crds for the objects only).")
    boolean crds;

    @Override
    public Integer call() {
      if (!NAMESPACE.matcher(namespace).matches()) {
        throw new ParameterException(
            spec.commandLine(),
            "--namespace '"
                + namespace
                + "': not a Kubernetes namespace name (lower case letters, digits and '-', at most 63 characters)");
      }
      ChartValues values = ChartValues.defaults();
      for (Path file : valueFiles) {
        values = values.withFile(file);
      }
      for (String set : sets) {
        values = values.withSet(set);
      }
      if (revision != null) {
        values = values.withSet("revision=" + revision);
      }
      MeshManifest manifest = new MeshManifest(values, namespace);
      String out = crds ? manifest.render() : manifest.renderObjects();
      spec.commandLine().getOut().print(out);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
