package io.outrigger.cni.cli;

import io.outrigger.cni.install.CniInstaller;
import io.outrigger.cni.install.ConfDirWatcher;
import io.outrigger.cni.install.InstallSettings;
import java.nio.file.Files;
import java.nio.file.Path;
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
    throw new ParameterException(spec.commandLine(), "a subcommand is required: install or uninstall");
  }

  /** Where the node keeps CNI binaries and configuration. */
  static class Dirs {
    @Option(names = "--bin-dir", required = true, description = "CNI binary directory, e.g. /opt/cni/bin")
    Path binDir;

    @Option(names = "--conf-dir", required = true, description = "CNI configuration directory, e.g. /etc/cni/net.d")
    Path confDir;
  }

  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "Copy the plugin into the bin dir and append its entry to the primary network's conflist.")
  static final class Install implements Callable<Integer> {
    @picocli.CommandLine.Mixin Dirs dirs;

    @Option(names = "--kubeconfig", description = "kubeconfig for reading pod annotations from the API server "
        + "(for runtimes without the io.kubernetes.cri.pod-annotations capability)")
    Path kubeconfig;

    @Option(names = "--exclude-namespaces", split = ",", defaultValue = "kube-system",
        description = "namespaces whose pods are never captured (default: ${DEFAULT-VALUE})")
    List<String> excludeNamespaces = new ArrayList<>();

    @Option(names = "--log-file", description = "the plugin's per-node call log (default: ${DEFAULT-VALUE})",
        defaultValue = "/var/log/outrigger-cni.log")
    Path logFile;

    @Option(names = "--plugin-image", description = "the plugin image the build made "
        + "(default: $OUTRIGGER_CNI_IMAGE, else cni-chain/target/plugin-image of this checkout)")
    Path pluginImage;

    @Option(names = "--watch", description = "keep running and put the entry back whenever the primary CNI rewrites its file")
    boolean watch;

    @Override
    public Integer call() {
      Path image = pluginImage != null ? pluginImage : PluginImageLocator.locate();
      InstallSettings settings = new InstallSettings(dirs.binDir, dirs.confDir, image, kubeconfig, excludeNamespaces, logFile);
      CniInstaller installer = new CniInstaller(settings);
      Path chained = installer.install();
      System.out.println("outrigger-cni installed in " + dirs.binDir + " and chained into " + chained);
      if (watch) {
        try (ConfDirWatcher watcher = new ConfDirWatcher(installer, dirs.confDir)) {
          System.out.println("watching " + dirs.confDir + " (Ctrl-C to stop)");
          watcher.run();
        }
      }
      return 0;
    }
  }

  @Command(name = "uninstall", mixinStandardHelpOptions = true,
      description = "Remove exactly our entry, our kubeconfig and our binaries; the primary CNI's files stay as they were.")
  static final class Uninstall implements Callable<Integer> {
    @picocli.CommandLine.Mixin Dirs dirs;

    @Override
    public Integer call() {
      new CniInstaller(new InstallSettings(dirs.binDir, dirs.confDir, Path.of("."), null, List.of(),
          InstallSettings.DEFAULT_LOG_FILE)).uninstall();
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
        Path jar = Path.of(CniCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
          Path candidate = dir.resolve("cni-chain/target/plugin-image");
          if (Files.isDirectory(candidate)) {
            return candidate;
          }
        }
      } catch (java.net.URISyntaxException | RuntimeException e) {
        // Fall through to the error below.
      }
      throw new IllegalArgumentException("cannot find the outrigger-cni plugin image: pass --plugin-image DIR or set "
          + "OUTRIGGER_CNI_IMAGE (the build writes it to cni-chain/target/plugin-image)");
    }
  }
}
