package io.outrigger.cni.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.outrigger.cni.install.CniInstaller;
import io.outrigger.cni.install.CniNodeAgent;
import io.outrigger.cni.install.InstallSettings;
import io.outrigger.cni.install.KubeconfigSource;
import io.outrigger.cni.install.RemovalCheck;
import io.outrigger.cni.install.RepairController;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outrigger cni install|uninstall}: chain outrigger-cni into a node's CNI configuration. */
@Command(
    name = "cni",
    description = "Install or remove the chained CNI plugin outrigger-cni on this node.",
    mixinStandardHelpOptions = true,
    subcommands = {CniCommand.Install.class, CniCommand.Uninstall.class})
public final class CniCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "a subcommand is required: install or uninstall");
  }

  /** Where the node keeps CNI binaries and configuration. */
  static class Dirs {
    @Option(
        names = "--bin-dir",
        required = true,
        description = "CNI binary directory, e.g. /opt/cni/bin")
    Path binDir;

    @Option(
        names = "--conf-dir",
        required = true,
        description = "CNI configuration directory, e.g. /etc/cni/net.d")
    Path confDir;
  }

  @Command(
      name = "install",
      mixinStandardHelpOptions = true,
      description =
          "Copy the plugin into the bin dir and append its entry to the primary network's conflist.")
  static final class Install implements Callable<Integer> {
    @picocli.CommandLine.Mixin Dirs dirs;

    @Option(
        names = "--kubeconfig",
        description =
            "kubeconfig for reading pod annotations from the API server "
                + "(for runtimes without the io.kubernetes.cri.pod-annotations capability)")
    Path kubeconfig;

    @Option(
        names = "--service-account-dir",
        description =
            "build the plugin's kubeconfig from this service-account "
                + "volume (token, ca.crt; in a pod: /var/run/secrets/kubernetes.io/serviceaccount) and rewrite it when the "
                + "token is rotated")
    Path serviceAccountDir;

    @Option(
        names = "--api-server",
        description =
            "API server URL for --service-account-dir "
                + "(default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)")
    String apiServer;

    @Option(
        names = "--exclude-namespaces",
        split = ",",
        defaultValue = "kube-system",
        description = "namespaces whose pods are never captured (default: ${DEFAULT-VALUE})")
    List<String> excludeNamespaces = new ArrayList<>();

    @Option(
        names = "--log-file",
        description = "the plugin's per-node call log (default: ${DEFAULT-VALUE})",
        defaultValue = "/var/log/outrigger-cni.log")
    Path logFile;

    @Option(
        names = "--pod-records",
        description =
            "directory where the plugin records the pods it set up, for the "
                + "repair controller (default: none)")
    Path podRecords;

    @Option(
        names = "--plugin-image",
        description =
            "the plugin image the build made "
                + "(default: $OUTRIGGER_CNI_IMAGE, else cni-chain/target/plugin-image of this checkout)")
    Path pluginImage;

    @Option(
        names = "--watch",
        description =
            "keep running: put the entry back whenever the primary CNI rewrites its "
                + "file (or chain it when the primary writes its first file), keep the kubeconfig current, repair pods")
    boolean watch;

    @Option(
        names = "--resync",
        defaultValue = "PT10S",
        description =
            "with --watch: how often the kubeconfig, the "
                + "chain and the node's pods are checked (ISO-8601 duration, default: ${DEFAULT-VALUE})")
    Duration resync;

    @Option(
        names = "--readiness-port",
        defaultValue = "0",
        description =
            "with --watch: serve GET /readyz on this "
                + "port (200 when chained and the plugin is in place); 0 = off")
    int readinessPort;

    @Option(
        names = "--repair",
        defaultValue = "off",
        description =
            "with --watch and --node-name: what to do with a "
                + "meshed pod set up while our entry was missing: delete, label or off (default: ${DEFAULT-VALUE})")
    String repair;

    @Option(
        names = "--node-name",
        description = "this node's name (the repair controller looks at its pods only)")
    String nodeName;

    @Option(
        names = "--daemonset",
        description =
            "NAMESPACE/NAME of the DaemonSet this installer runs in: on exit, "
                + "uninstall only when it is gone or being deleted, not on an upgrade")
    String daemonSet;

    @Option(
        names = "--uninstall-on-exit",
        defaultValue = "auto",
        description =
            "with --watch: auto (decided by "
                + "--daemonset; never without it), always or never (default: ${DEFAULT-VALUE})")
    String uninstallOnExit;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      if (kubeconfig != null && serviceAccountDir != null) {
        throw new ParameterException(
            spec.commandLine(), "--kubeconfig and --service-account-dir: give one of them");
      }
      Path image = pluginImage != null ? pluginImage : PluginImageLocator.locate();
      KubeconfigSource source =
          kubeconfig != null
              ? KubeconfigSource.file(kubeconfig)
              : serviceAccountDir != null
                  ? KubeconfigSource.serviceAccount(serviceAccountDir, apiServer)
                  : null;
      InstallSettings settings =
          new InstallSettings(
              dirs.binDir, dirs.confDir, image, source, excludeNamespaces, logFile, podRecords);
      CniInstaller installer = new CniInstaller(settings);
      if (!watch) {
        Path chained = installer.install();
        System.out.println(
            "outrigger-cni installed in " + dirs.binDir + " and chained into " + chained);
        return 0;
      }
      RepairController.Action action = repairAction();
      KubernetesClient client =
          action != null || daemonSet != null ? new KubernetesClientBuilder().build() : null;
      RepairController repairer =
          action == null
              ? null
              : new RepairController(client, nodeName, excludeNamespaces, podRecords, action);
      try (CniNodeAgent agent =
          new CniNodeAgent(installer, resync, repairer, removalCheck(client), readinessPort)) {
        Runtime.getRuntime()
            .addShutdownHook(Thread.ofPlatform().name("cni-agent-stop").unstarted(agent::close));
        agent.start();
        System.out.println(
            "outrigger-cni installed in "
                + dirs.binDir
                + "; watching "
                + dirs.confDir
                + " (Ctrl-C to stop)");
        agent.awaitStop();
      }
      return 0;
    }

    private RepairController.Action repairAction() {
      switch (repair.toLowerCase(java.util.Locale.ROOT)) {
        case "off":
          return null;
        case "delete":
        case "label":
          if (nodeName == null || nodeName.isBlank() || podRecords == null) {
            throw new ParameterException(
                spec.commandLine(), "--repair=" + repair + " needs --node-name and --pod-records");
          }
          return RepairController.Action.valueOf(repair.toUpperCase(java.util.Locale.ROOT));
        default:
          throw new ParameterException(
              spec.commandLine(), "--repair: '" + repair + "' is not one of delete, label, off");
      }
    }

    private RemovalCheck removalCheck(KubernetesClient client) {
      switch (uninstallOnExit.toLowerCase(java.util.Locale.ROOT)) {
        case "always":
          return RemovalCheck.always();
        case "never":
          return RemovalCheck.never();
        case "auto":
          if (daemonSet == null) {
            return RemovalCheck.never();
          }
          String[] parts = daemonSet.split("/", 2);
          if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new ParameterException(
                spec.commandLine(), "--daemonset: '" + daemonSet + "' is not NAMESPACE/NAME");
          }
          return RemovalCheck.daemonSet(client, parts[0], parts[1]);
        default:
          throw new ParameterException(
              spec.commandLine(),
              "--uninstall-on-exit: '" + uninstallOnExit + "' is not one of auto, always, never");
      }
    }
  }

  @Command(
      name = "uninstall",
      mixinStandardHelpOptions = true,
      description =
          "Remove exactly our entry, our kubeconfig and our binaries; the primary CNI's files stay as they were.")
  static final class Uninstall implements Callable<Integer> {
    @picocli.CommandLine.Mixin Dirs dirs;

    @Option(
        names = "--pod-records",
        description = "the plugin's pod records directory, removed too")
    Path podRecords;

    @Override
    public Integer call() {
      new CniInstaller(
              new InstallSettings(
                  dirs.binDir,
                  dirs.confDir,
                  Path.of("."),
                  null,
                  List.of(),
                  InstallSettings.DEFAULT_LOG_FILE,
                  podRecords))
          .uninstall();
      System.out.println("outrigger-cni removed from " + dirs.confDir + " and " + dirs.binDir);
      return 0;
    }
  }

  /** Finds the plugin image next to the running jar in a source checkout. */
  static final class PluginImageLocator {
    private PluginImageLocator() {}

    static Path locate() {
      String env = System.getenv("OUTRIGGER_CNI_IMAGE");
      if (env != null && !env.isBlank()) {
        return Path.of(env);
      }
      try {
        Path jar =
            Path.of(CniCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
          Path candidate = dir.resolve("cni-chain/target/plugin-image");
          if (Files.isDirectory(candidate)) {
            return candidate;
          }
        }
      } catch (java.net.URISyntaxException | RuntimeException e) {
        // Fall through to the error below.
      }
      throw new IllegalArgumentException(
          "cannot find the outrigger-cni plugin image: pass --plugin-image DIR or set "
              + "OUTRIGGER_CNI_IMAGE (the build writes it to cni-chain/target/plugin-image)");
    }
  }
}
