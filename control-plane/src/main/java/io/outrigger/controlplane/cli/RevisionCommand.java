package io.outrigger.controlplane.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.outrigger.controlplane.kube.KubeConnection;
import io.outrigger.controlplane.webhook.RevisionTags;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code outrigger revision}: the control plane revisions in a cluster and the tags pointing at
 * them.
 */
@Command(
    name = "revision",
    mixinStandardHelpOptions = true,
    description = "List control plane revisions and their tags; set or remove a tag.",
    subcommands = {RevisionCommand.ListRevisions.class, RevisionCommand.Tag.class})
public final class RevisionCommand implements Callable<Integer> {

  @Option(
      names = "--kubeconfig",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:KUBECONFIG:-${sys:user.home}/.kube/config}",
      description = "The cluster's kubeconfig. Default: $KUBECONFIG, else ~/.kube/config.")
  Path kubeconfig;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "a subcommand is required: list, tag");
  }

  <T> T withTags(CommandSpec caller, Function<RevisionTags, T> action) {
    if (!Files.isReadable(kubeconfig)) {
      throw new ParameterException(
          caller.commandLine(),
          "--kubeconfig "
              + kubeconfig
              + ": "
              + (Files.exists(kubeconfig) ? "not readable" : "does not exist"));
    }
    try (KubernetesClient client = KubeConnection.kubeconfig(kubeconfig).newClient()) {
      return action.apply(new RevisionTags(client));
    } catch (KubernetesClientException e) {
      // The API server refused or did not answer: say which cluster, and what it said.
      throw new IllegalArgumentException(
          "Kubernetes API of kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
    }
  }

  private static String joined(List<String> names) {
    return names.isEmpty() ? "-" : String.join(",", names);
  }

  /** {@code outrigger revision list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Print each revision with its tags and the namespaces that select it; warn about tags "
              + "pointing at a revision that does not exist.")
  static final class ListRevisions implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand RevisionCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      RevisionTags.Listing listing = parent.withTags(spec, RevisionTags::list);
      PrintWriter out = spec.commandLine().getOut();
      String format = "%-20s %-20s %s%n";
      out.printf(format, "REVISION", "TAGS", "NAMESPACES");
      listing
          .revisions()
          .forEach(r -> out.printf(format, r.name(), joined(r.tags()), joined(r.namespaces())));
      listing
          .dangling()
          .forEach(
              t ->
                  out.println(
                      "warning: tag "
                          + t.name()
                          + " points at revision "
                          + t.revision()
                          + ", which does not exist: pods of namespace(s) "
                          + joined(t.namespaces())
                          + " get no sidecar (outrigger revision tag set "
                          + t.name()
                          + " --revision REVISION)"));
      out.flush();
      return 0;
    }
  }

  /** {@code outrigger revision tag set|remove}. */
  @Command(
      name = "tag",
      mixinStandardHelpOptions = true,
      description = "Set or remove a revision tag.",
      subcommands = {SetTag.class, RemoveTag.class})
  static final class Tag implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      throw new ParameterException(spec.commandLine(), "a subcommand is required: set, remove");
    }
  }

  /** {@code outrigger revision tag set TAG --revision REVISION}. */
  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Point TAG at REVISION (create it, or move it: every namespace labeled outrigger.io/rev=TAG "
              + "or istio.io/rev=TAG then injects with REVISION).")
  static final class SetTag implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand Tag tagCommand;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TAG")
    String tag;

    @Option(names = "--revision", required = true, description = "The revision the tag points at.")
    String revision;

    @Override
    public Integer call() {
      RevisionCommand root = (RevisionCommand) tagCommand.spec.parent().userObject();
      RevisionTags.Moved moved = root.withTags(spec, tags -> tags.set(tag, revision));
      String what =
          moved
              .from()
              .map(
                  f ->
                      f.equals(moved.to())
                          ? "already pointed at "
                          : "moved from revision " + f + " to ")
              .orElse("now points at ");
      spec.commandLine()
          .getOut()
          .println(
              "tag "
                  + moved.tag()
                  + ": "
                  + what
                  + "revision "
                  + moved.to()
                  + " (namespaces: "
                  + joined(moved.namespaces())
                  + ")");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** {@code outrigger revision tag remove TAG [--force]}. */
  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Delete TAG.")
  static final class RemoveTag implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand Tag tagCommand;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TAG")
    String tag;

    @Option(names = "--force", description = "Remove it even though namespaces still select it.")
    boolean force;

    @Override
    public Integer call() {
      RevisionCommand root = (RevisionCommand) tagCommand.spec.parent().userObject();
      root.withTags(
          spec,
          tags -> {
            tags.remove(tag, force);
            return null;
          });
      spec.commandLine().getOut().println("tag " + tag + ": removed");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
